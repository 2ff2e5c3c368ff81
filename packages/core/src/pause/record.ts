/**
 * Maintenance mode (`redis-zk pause <set>`, as Patroni's pause): while `paused/<set>` exists in
 * ZooKeeper no program takes an automatic action on the set, and the sentinel-wrappers hold the
 * set's Sentinel quorum at PAUSED_QUORUM so that Sentinel fails nothing over by itself.
 */
export interface PauseRecord {
  /** Who paused it (`redis-zk on <host> (<user>)`). */
  readonly by: string;
  /** When (ms since the epoch, the pauser's clock). */
  readonly at: number;
  readonly reason: string;
}

/**
 * The quorum a paused set's sentinels monitor it with: above the number of sentinels any
 * deployment runs, so no sentinel ever takes the master for objectively down (nor can a leader
 * win an election: it needs `quorum` votes), and Sentinel starts no failover by itself.
 * `SENTINEL FAILOVER` (a master's SIGTERM handover) needs no agreement and still works.
 */
export const PAUSED_QUORUM = 1000;

const MAX_TEXT = 500;

export const formatPauseRecord = (r: PauseRecord): string => JSON.stringify({ by: r.by, at: r.at, reason: r.reason });

/** A record read back from ZooKeeper; null when it is not one (junk is never trusted). */
export function parsePauseRecord(text: string): PauseRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const { by, at, reason } = raw as Record<string, unknown>;
  if (typeof by !== 'string' || typeof reason !== 'string' || typeof at !== 'number' || !Number.isFinite(at) || at < 0) return null;
  return { by: by.slice(0, MAX_TEXT), at, reason: reason.slice(0, MAX_TEXT) };
}
