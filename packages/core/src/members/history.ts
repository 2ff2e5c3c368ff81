import { parseAddress } from '../address';

/** Why the set's master changed. */
export type ChangeCause = 'election' | 'sentinel-failover' | 'crash-failover' | 'switchover' | 'recovery' | 'fence';

/**
 * What a change's `durationMs` measures: what its recorder can see, named, since none sees the
 * clients' own write outage exactly (they also need to find the new master).
 * - `death-to-promotion` (crash failover): from the master's redis-server's death, seen by its
 *   wrapper, to a sentinel naming the promoted replica;
 * - `down-to-promotion` (Sentinel failover seen by a watcher): from the master's last answer (the
 *   first +sdown less down-after-milliseconds) or the +try-failover, to the +switch-master;
 * - `write-pause` (switchover): the CLIENT PAUSE WRITE the handover held;
 * - `masterless-to-promotion` (recovery): from when the recovering node last knew a live master to
 *   its promotion.
 */
export type OutageBasis = 'death-to-promotion' | 'down-to-promotion' | 'write-pause' | 'masterless-to-promotion';
const OUTAGE_BASES: readonly OutageBasis[] = ['death-to-promotion', 'down-to-promotion', 'write-pause', 'masterless-to-promotion'];

/**
 * The replication offsets of a change of master: the old master's last known offset, the promoted
 * node's offset when promoted, and the gap (bytes the old master had that the promoted one did
 * not: possibly lost). The old master's offset is the last one its recorder knew (a tick's INFO,
 * a member record: up to about a second old), so the gap is a lower bound.
 */
export interface OffsetGap {
  readonly lastOffset?: number;
  readonly promotedOffset?: number;
  readonly offsetGapBytes?: number;
}

/** One change of master, as kept under `history/{set}` (the last HISTORY_LIMIT of them). */
export interface HistoryEvent extends OffsetGap {
  /** When it was recorded (ms since the epoch, the recorder's clock). */
  readonly at: number;
  /** The master before (host:port), when known. */
  readonly from: string | null;
  /** The master after (host:port). */
  readonly to: string;
  readonly cause: ChangeCause;
  /** Sentinel's config epoch of the change (0 for an election or a recovery). */
  readonly epoch: number;
  /** The write outage as its recorder measured it (see outageBasis), when it knows. */
  readonly durationMs?: number;
  /** What durationMs measures. */
  readonly outageBasis?: OutageBasis;
  /** Who recorded it, e.g. `redis-wrapper 10.0.0.1:31001`. */
  readonly by: string;
  /** The decision's reason, as logged. */
  readonly reason: string;
}

export const HISTORY_LIMIT = 100;

/** The causes of a change Sentinel carried out (it has a config epoch); the others are made by one node alone. */
const SENTINEL_CAUSES: readonly ChangeCause[] = ['sentinel-failover', 'crash-failover', 'switchover'];

/**
 * The history node of a change Sentinel carried out: one name per (epoch, new master), so that every
 * recorder of the same change (the watchers that observe it, the node or operator that asked for
 * it, a reconcile that found it late and knows a different old master) creates the same node and
 * only the first create succeeds. The new master is in it because a Sentinel deployment started
 * afresh counts its epochs from 0 again; the old master is not, since recorders may disagree on it
 * (a reconcile knows only what ZooKeeper named). Null for the changes one node makes alone
 * (election, recovery, fence): they are appended as sequential nodes.
 */
export function historyNodeName(e: Pick<HistoryEvent, 'cause' | 'epoch' | 'to'>): string | null {
  if (!SENTINEL_CAUSES.includes(e.cause) || e.epoch <= 0) return null;
  return `s-${String(e.epoch).padStart(10, '0')}-${e.to.replace(/[^A-Za-z0-9.]/g, '_')}`;
}

/** A fence this soon after the change it follows belongs to it. */
export const FENCE_PART_OF_CHANGE_MS = 10_000;

/**
 * Whether a fence (a stale master demoting itself) only completes the change recorded last: the
 * same old and new master, moments later (the old master's own loop acting in the same second
 * as a switchover or Sentinel). A fence long after it (a master resumed after a freeze or a
 * partition) is an event of its own and is recorded.
 */
export function fenceCompletes(last: HistoryEvent | undefined, fence: HistoryEvent): boolean {
  return (
    fence.cause === 'fence' &&
    !!last &&
    last.cause !== 'fence' &&
    last.from === fence.from &&
    last.to === fence.to &&
    fence.at - last.at < FENCE_PART_OF_CHANGE_MS
  );
}

/**
 * The fences in a history (indexes) that only complete another change: one not a fence, with the
 * same old and new master, less than FENCE_PART_OF_CHANGE_MS apart, before or after it. The old
 * master's loop and whoever asked for the change record at the same moment, so fenceCompletes
 * (asked before writing) can miss the other's entry; this is asked again once both are written.
 *
 * | history (cause from→to, at)                                | redundant          |
 * |------------------------------------------------------------|--------------------|
 * | switchover A→B @0, fence A→B @16                           | the fence          |
 * | fence A→B @0, switchover A→B @30                           | the fence          |
 * | switchover A→B @0, fence A→B @20000                        | none (its own)     |
 * | switchover A→B @0, fence A→C @16                           | none               |
 * | fence A→B @0, fence A→B @5                                 | none               |
 */
export function redundantFences(events: readonly HistoryEvent[]): number[] {
  return events.flatMap((f, i) =>
    f.cause === 'fence' && events.some((e) => e.cause !== 'fence' && e.from === f.from && e.to === f.to && Math.abs(f.at - e.at) < FENCE_PART_OF_CHANGE_MS)
      ? [i]
      : [],
  );
}

/**
 * Two recorders of one change: what the node should hold afterwards, or null to leave it. Whoever
 * asked for the change knows why (a switchover, a crash), a watcher only that Sentinel failed
 * over: the asker's cause replaces the observer's, never the other way round; a duration learnt
 * by either is kept.
 *
 * | stored             | incoming           | result                                   |
 * |--------------------|--------------------|------------------------------------------|
 * | sentinel-failover  | sentinel-failover  | keep                                     |
 * | sentinel-failover  | switchover / crash | incoming (the stored outage, offsets if it has none) |
 * | switchover / crash | anything           | keep                                     |
 */
export function mergeHistory(stored: HistoryEvent, incoming: HistoryEvent): HistoryEvent | null {
  if (stored.cause !== 'sentinel-failover' || incoming.cause === 'sentinel-failover') return null;
  // An outage goes with its basis, offsets with their gap: each pair from whichever knows it.
  const outage = incoming.durationMs !== undefined ? incoming : stored;
  const gap = incoming.offsetGapBytes !== undefined ? incoming : stored;
  return {
    ...incoming,
    at: Math.min(stored.at, incoming.at),
    ...(outage.durationMs !== undefined ? { durationMs: outage.durationMs } : {}),
    ...(outage.outageBasis !== undefined ? { outageBasis: outage.outageBasis } : {}),
    ...offsetFields(gap),
  };
}

const CAUSES: readonly ChangeCause[] = ['election', 'sentinel-failover', 'crash-failover', 'switchover', 'recovery', 'fence'];

/** The latest time a JavaScript Date holds (ms since the epoch): a time past it makes Date throw on toISOString. */
const MAX_TIME_MS = 8.64e15;
/** Longest `by` and `reason` kept from a record read back. */
const MAX_TEXT = 2000;

const isTime = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= MAX_TIME_MS;
const isAddressText = (a: unknown): a is string => typeof a === 'string' && parseAddress(a) !== null;
const isOffset = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** The offset fields that are set (and valid) of an entry. */
const offsetFields = (e: OffsetGap): OffsetGap => ({
  ...(isOffset(e.lastOffset) ? { lastOffset: e.lastOffset } : {}),
  ...(isOffset(e.promotedOffset) ? { promotedOffset: e.promotedOffset } : {}),
  ...(isOffset(e.offsetGapBytes) ? { offsetGapBytes: e.offsetGapBytes } : {}),
});

/**
 * A history entry read back from ZooKeeper; null when it is not one. Times are within what a Date
 * holds, addresses parse, durations and epochs are whole and in range, texts are cut short: a
 * hostile or broken entry is left out instead of making /status, the metrics or the CLI throw.
 */
export function parseHistoryEvent(text: string): HistoryEvent | null {
  try {
    const e = JSON.parse(text) as Partial<HistoryEvent>;
    if (!e || typeof e !== 'object' || !isTime(e.at) || !isAddressText(e.to) || !CAUSES.includes(e.cause as ChangeCause)) return null;
    if (e.from !== undefined && e.from !== null && !isAddressText(e.from)) return null;
    if (e.epoch !== undefined && !(Number.isSafeInteger(e.epoch) && e.epoch >= -1)) return null;
    if (e.durationMs !== undefined && !isTime(e.durationMs)) return null;
    if ([e.lastOffset, e.promotedOffset, e.offsetGapBytes].some((n) => n !== undefined && !isOffset(n))) return null;
    return {
      at: e.at,
      to: e.to,
      cause: e.cause as ChangeCause,
      from: typeof e.from === 'string' ? e.from : null,
      epoch: typeof e.epoch === 'number' ? e.epoch : 0,
      ...(typeof e.durationMs === 'number' ? { durationMs: e.durationMs } : {}),
      ...(OUTAGE_BASES.includes(e.outageBasis as OutageBasis) ? { outageBasis: e.outageBasis as OutageBasis } : {}),
      ...offsetFields(e),
      by: typeof e.by === 'string' ? e.by.slice(0, MAX_TEXT) : '',
      reason: typeof e.reason === 'string' ? e.reason.slice(0, MAX_TEXT) : '',
    };
  } catch {
    return null;
  }
}
