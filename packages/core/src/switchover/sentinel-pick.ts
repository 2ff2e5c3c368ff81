import { type Address, formatAddress, sameAddress } from '../address';
import type { SentinelReplica, SentinelView } from '../sentinel/query';

/**
 * Which replica a sentinel's failover would promote, read from what it lists (SENTINEL REPLICAS),
 * as Redis 7.0's sentinelSelectSlave picks one: of the replicas it reaches, with priority above 0
 * and an INFO reply less than 3 × its 10 s period old, the lowest priority, then the greatest
 * offset as it last read it, then the lowest run id. Its bound on a replica's link-down time
 * (10 × down-after) is not applied: such a replica counts here as one it may pick, which only
 * makes the handover more careful.
 */
export const INFO_VALIDITY_MS = 30000;

/** The replicas this sentinel may promote now (pure). */
export function promotable(replicas: readonly SentinelReplica[]): SentinelReplica[] {
  return replicas.filter((r) => r.up && r.priority > 0 && (r.infoAgeMs === undefined || r.infoAgeMs <= INFO_VALIDITY_MS));
}

/** Sentinel's order of replicas to promote (compareSlavesForPromotion); a run id it does not know sorts last. */
export function promotionOrder(a: SentinelReplica, b: SentinelReplica): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const ao = a.offset ?? -1;
  const bo = b.offset ?? -1;
  if (ao !== bo) return bo - ao;
  if (!a.runId || !b.runId) return a.runId ? -1 : b.runId ? 1 : 0;
  const [x, y] = [a.runId.toLowerCase(), b.runId.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The replica this sentinel would promote now (pure); null when it may promote none, or when
 * two rank first together (no run ids to tell them apart: Sentinel's choice is not known).
 *
 * | promotable replicas (priority, offset, run id)   | pick        |
 * |--------------------------------------------------|-------------|
 * | none                                             | none        |
 * | A (100, 10), B (100, 12)                         | B           |
 * | A (50, 10), B (100, 12)                          | A           |
 * | A (100, 12, "b…"), B (100, 12, "a…")             | B           |
 * | A (100, 12, no run id), B (100, 12, no run id)   | none (tie)  |
 */
export function sentinelPick(replicas: readonly SentinelReplica[]): SentinelReplica | null {
  const ranked = promotable(replicas).sort(promotionOrder);
  if (ranked.length === 0) return null;
  if (ranked.length > 1 && promotionOrder(ranked[0]!, ranked[1]!) === 0) return null;
  return ranked[0]!;
}

export interface PickReadiness {
  /** The sentinels that would fail over now to a replica the master streams to, each with the replica it would pick. */
  readonly ready: ReadonlyArray<{ readonly sentinel: Address; readonly target: Address }>;
  /** When none would: what is waited for. */
  readonly waitingFor: string;
}

/**
 * Which sentinels can be asked to fail over `master` to the replica they would pick themselves
 * (pure): no replica is made ineligible, so nothing waits for Sentinel to read a changed priority
 * (up to 10 s). Safe when every replica the sentinel may promote is one the master streams to
 * (`streamedTo`, its online replicas), because the handover then waits for all of those to catch
 * up: whichever one Sentinel picks in the end has every acknowledged write. Otherwise (a replica
 * Sentinel may pick but the master does not stream to: a new one syncing, a link down) the
 * sentinel is not ready here, and the handover names a replica and excludes the others.
 *
 * | sentinel                                              | ready with        |
 * |-------------------------------------------------------|-------------------|
 * | failing over (any sentinel), or none names `master`   | — (none ready)    |
 * | picks A, may promote only A and B, both streamed to   | A                 |
 * | picks A, may also promote C, not streamed to          | —                 |
 * | picks A whose link is down                            | —                 |
 * | no pick (none promotable, or a tie)                   | —                 |
 */
export function sentinelPickReadiness(views: readonly SentinelView[], master: Address, streamedTo: readonly Address[]): PickReadiness {
  const live = views.flatMap((v) => (v.reachable && v.monitors ? [v] : []));
  if (live.some((v) => v.failoverInProgress)) return { ready: [], waitingFor: 'a failover still in progress' };
  const naming = live.filter((v) => sameAddress(v.master, master));
  if (naming.length === 0) return { ready: [], waitingFor: `Sentinel to name ${formatAddress(master)} as the master` };
  const streamed = (a: Address) => streamedTo.some((s) => sameAddress(s, a));
  const ready = naming.flatMap((v) => {
    const replicas = v.replicas ?? [];
    const pick = sentinelPick(replicas);
    if (!pick?.ok || !promotable(replicas).every((r) => streamed(r.address))) return [];
    return [{ sentinel: v.sentinel, target: pick.address }];
  });
  return { ready, waitingFor: ready.length > 0 ? '' : 'a sentinel whose pick, and every replica it may promote, the master streams to' };
}
