import { type Address, sameAddress } from '../address';
import type { StoredMemberRecord } from './record';

/** What ranks a node's data: its history, how far along it, and whether it led that history. */
export interface History {
  readonly replid: string;
  readonly offset: number;
  readonly role: 'master' | 'replica';
}

/**
 * The history the set's data last belonged to: the replid published by the node ZooKeeper names
 * master; failing that, by the master whose record was written last (ZooKeeper's zxid, no clocks).
 */
export function latestHistory(records: readonly StoredMemberRecord[], registered: Address | null): string | null {
  const named = records.filter((r) => r.role === 'master' && sameAddress(r.address, registered));
  const masters = named.length > 0 ? named : records.filter((r) => r.role === 'master');
  const last = [...masters].sort((a, b) => (a.mzxid < b.mzxid ? 1 : a.mzxid > b.mzxid ? -1 : 0))[0];
  return last?.replid ?? null;
}

/**
 * Orders two histories, fresher first (negative when `a` is fresher). On the latest history, its
 * master comes first: a replica never holds more than its master, and a replica's record may have
 * been written after the master's (records lag up to a publish interval). Then the offset: redis
 * keeps offsets continuous across a promotion, so within one set they compare across histories.
 */
export function compareFreshness(a: History, b: History, latest: string | null): number {
  const rank = (h: History) => [h.replid === latest ? 1 : 0, h.replid === latest && h.role === 'master' ? 1 : 0, h.offset];
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i += 1) if (ra[i] !== rb[i]) return rb[i]! - ra[i]!;
  return 0;
}

/**
 * The furthest offset any data directory published on the latest history: the old master's last
 * known offset (records are written about once a second while the offset moves, so it may be
 * somewhat behind the true last one). Null when no record is on that history.
 */
export function lastKnownOffset(records: readonly Pick<History, 'replid' | 'offset'>[], latest: string | null): number | null {
  const on = records.filter((r) => latest !== null && r.replid === latest).map((r) => r.offset);
  return on.length > 0 ? Math.max(...on) : null;
}
