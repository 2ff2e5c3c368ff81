/** Why the set's master changed. */
export type ChangeCause = 'election' | 'sentinel-failover' | 'crash-failover' | 'switchover' | 'recovery' | 'fence';

/** One change of master, as kept under `history/{set}` (the last HISTORY_LIMIT of them). */
export interface HistoryEvent {
  /** When it was recorded (ms since the epoch, the recorder's clock). */
  readonly at: number;
  /** The master before (host:port), when known. */
  readonly from: string | null;
  /** The master after (host:port). */
  readonly to: string;
  readonly cause: ChangeCause;
  /** Sentinel's config epoch of the change (0 for an election or a recovery). */
  readonly epoch: number;
  /** How long the set had no writable master, when the recorder knows. */
  readonly durationMs?: number;
  /** Who recorded it, e.g. `redis-wrapper 10.0.0.1:31001`. */
  readonly by: string;
  /** The decision's reason, as logged. */
  readonly reason: string;
}

export const HISTORY_LIMIT = 100;

const CAUSES: readonly ChangeCause[] = ['election', 'sentinel-failover', 'crash-failover', 'switchover', 'recovery', 'fence'];

export function parseHistoryEvent(text: string): HistoryEvent | null {
  try {
    const e = JSON.parse(text) as Partial<HistoryEvent>;
    if (typeof e.at !== 'number' || typeof e.to !== 'string' || !CAUSES.includes(e.cause as ChangeCause)) return null;
    return {
      at: e.at, to: e.to, cause: e.cause as ChangeCause,
      from: typeof e.from === 'string' ? e.from : null,
      epoch: typeof e.epoch === 'number' ? e.epoch : 0,
      ...(typeof e.durationMs === 'number' ? { durationMs: e.durationMs } : {}),
      by: typeof e.by === 'string' ? e.by : '',
      reason: typeof e.reason === 'string' ? e.reason : '',
    };
  } catch {
    return null;
  }
}
