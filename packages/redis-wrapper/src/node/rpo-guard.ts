import { type Address, formatAddress, type ReplicationState, sameAddress, type SentinelView } from '@redis-zk/core';

export interface RpoInputs {
  /** FAILOVER_MAX_LAG_BYTES (0: no guard). */
  readonly maxLagBytes: number;
  /** The dead master's last INFO replication (its node loop's last tick): its offset, its replicas' acknowledged offsets. */
  readonly last: ReplicationState | null | undefined;
  /** The sentinels' views with the replicas they know. */
  readonly views: readonly SentinelView[];
}

export type RpoCheck = { readonly ok: true; readonly reason: string } | { readonly ok: false; readonly reason: string };

/**
 * The crash failover's RPO guard (pure): whether the replica Sentinel would promote now is within
 * FAILOVER_MAX_LAG_BYTES of the dead master's last known offset. SENTINEL FAILOVER lets Sentinel
 * choose, so its choice is predicted as Sentinel makes it: among the replicas a sentinel knows with
 * their link up and a priority above 0, the lowest priority, then the highest offset. Offsets are
 * the master's own list (acknowledged every second), else Sentinel's reading.
 *
 * | guard | master's last offset | Sentinel's pick (lag)        | decision |
 * |-------|----------------------|------------------------------|----------|
 * | 0     | any                  | any                          | ok       |
 * | > 0   | unknown              | any                          | not ok   |
 * | > 0   | known                | none eligible                | ok (Sentinel refuses by itself) |
 * | 1000  | 5000                 | 4500 (500)                   | ok       |
 * | 1000  | 5000                 | 3000 (2000)                  | not ok   |
 * | 1000  | 5000                 | priority 1 at 3000, 100 at 5000 | not ok (priority goes first) |
 */
export function rpoCheck(inputs: RpoInputs): RpoCheck {
  if (inputs.maxLagBytes <= 0) return { ok: true, reason: 'no RPO guard (FAILOVER_MAX_LAG_BYTES=0)' };
  const last = inputs.last;
  if (last?.role !== 'master') return { ok: false, reason: "RPO guard: the master's last offset is not known, so no replica's lag can be measured" };
  const known = inputs.views.flatMap((v) => (v.reachable ? (v.replicas ?? []) : []));
  const eligible = known.filter((r, n) => r.ok && r.priority > 0 && known.findIndex((x) => sameAddress(x.address, r.address)) === n);
  const offsetOf = (a: Address, sentinels: number | null) => last.replicas.find((r) => sameAddress(r.address, a))?.offset ?? sentinels ?? 0;
  const ranked = eligible
    .map((r) => ({ address: r.address, priority: r.priority, offset: offsetOf(r.address, r.offset) }))
    .sort((a, b) => a.priority - b.priority || b.offset - a.offset);
  const pick = ranked[0];
  if (!pick) return { ok: true, reason: 'no replica Sentinel may promote is known: Sentinel refuses by itself' };
  const lag = Math.max(0, last.offset - pick.offset);
  const what = `Sentinel's likely pick ${formatAddress(pick.address)} is ${lag} bytes behind the master's last known offset ${last.offset}`;
  return lag > inputs.maxLagBytes
    ? { ok: false, reason: `RPO guard: ${what}, above FAILOVER_MAX_LAG_BYTES=${inputs.maxLagBytes}` }
    : { ok: true, reason: `${what} (limit ${inputs.maxLagBytes})` };
}
