import { type Address, sameAddress } from '../address';
import { readReplication, type ReplicationState } from '../redis/replication';
import type { OffsetGap } from './history';
import type { StoredMemberRecord } from './record';

/** The promoted node's offset when it was promoted: one before its second_repl_offset (pure; undefined when it shows none). */
export const promotedOffsetOf = (s: ReplicationState): number | undefined =>
  s.role === 'master' && s.secondOffset !== undefined && s.secondOffset > 0 ? s.secondOffset - 1 : undefined;

/**
 * A change's offsets (pure): the gap is what the old master had beyond the promoted node's offset,
 * never negative; only when both are known.
 *
 * | lastOffset | promotedOffset | offsetGapBytes |
 * |------------|----------------|----------------|
 * | 1000       | 900            | 100            |
 * | 900        | 1000           | 0              |
 * | unknown    | 900            | unknown        |
 * | 1000       | unknown        | unknown        |
 */
export function offsetGap(lastOffset: number | undefined, promotedOffset: number | undefined): OffsetGap {
  return {
    ...(lastOffset !== undefined ? { lastOffset } : {}),
    ...(promotedOffset !== undefined ? { promotedOffset } : {}),
    ...(lastOffset !== undefined && promotedOffset !== undefined ? { offsetGapBytes: Math.max(0, lastOffset - promotedOffset) } : {}),
  };
}

/** The offset the newest member record at `address` (the old master's) last published. */
export function lastPublishedOffset(records: readonly StoredMemberRecord[], address: Address | null): number | undefined {
  if (!address) return undefined;
  const newest = records.filter((r) => sameAddress(r.address, address)).sort((a, b) => (a.mzxid < b.mzxid ? 1 : a.mzxid > b.mzxid ? -1 : 0))[0];
  return newest?.offset;
}

/**
 * Measures a change's offsets right after the promotion (bounded, best effort: what cannot be
 * read is left out): the promoted node's own INFO, and the old master's last known offset as the
 * recorder knows it (`lastOffset`), else as its member record last published it (`records`).
 */
export async function measureOffsetGap(o: {
  promoted: Address;
  from: Address | null;
  lastOffset?: number | undefined;
  records?: () => Promise<readonly StoredMemberRecord[]>;
  timeoutMs?: number;
}): Promise<OffsetGap> {
  const [state, records] = await Promise.all([
    readReplication(o.promoted, { timeoutMs: o.timeoutMs ?? 1000 }).catch(() => null),
    o.lastOffset === undefined && o.records ? o.records().catch(() => []) : Promise.resolve([]),
  ]);
  return offsetGap(o.lastOffset ?? lastPublishedOffset(records, o.from), state ? promotedOffsetOf(state) : undefined);
}
