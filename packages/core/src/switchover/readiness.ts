import { type Address, byAddress, formatAddress, sameAddress } from '../address';
import { newestConfig, sentinelConsensus } from '../set/facts';
import type { SentinelView } from '../sentinel/query';

export interface SentinelReadiness {
  /** The sentinels that would fail over now, to the replica wanted: ask them. */
  readonly ready: Address[];
  /** When none would: what is waited for. */
  readonly waitingFor: string;
}

/**
 * Which sentinels would carry out a switchover of `master` now (pure; asked with the replicas).
 * One is ready when it monitors the set, names `master`, and knows a replica with its link up
 * that it may promote; with a `target`, that replica is the target (priority above 0) and every
 * other replica it could pick has replica-priority 0 as Sentinel last read it (Sentinel reads a
 * replica's INFO once per INFO period, 10 s by default, SENTINEL_INFO_PERIOD_MS on our sentinels,
 * so a changed priority takes up to that long to count). No sentinel is ready while any is failing
 * over, nor one in TILT (it would accept the command and act only when TILT ends, up to 30 s
 * later, the writes paused meanwhile: nemesis seed 1931729023 paused them 28 s).
 *
 * | sentinels                                     | target | ready | waiting for                         |
 * |-----------------------------------------------|--------|-------|-------------------------------------|
 * | one failing over                              | any    | none  | a failover still in progress        |
 * | none answers                                  | any    | none  | no sentinel answers                 |
 * | names another master                          | any    | none  | Sentinel to name the master         |
 * | names it, no replica with link up             | none   | none  | a replica with its link up          |
 * | names it, a replica with link up              | none   | it    | —                                   |
 * | names it, target up, others priority 0 / down | T      | it    | —                                   |
 * | names it, target up, another eligible         | T      | none  | the other replicas' priority 0      |
 * | names it, target down or unknown              | T      | none  | T to be known with its link up      |
 * | would be ready, but in TILT                   | any    | none  | Sentinel to leave TILT              |
 */
/** The views of the sentinels that answer and monitor the set. */
const monitoring = (views: readonly SentinelView[]) => views.flatMap((v) => (v.reachable && v.monitors ? [v] : []));

export function sentinelReadiness(views: readonly SentinelView[], master: Address, target?: Address): SentinelReadiness {
  const live = monitoring(views);
  if (live.some((v) => v.failoverInProgress)) return { ready: [], waitingFor: 'a failover still in progress' };
  if (live.length === 0) return { ready: [], waitingFor: 'no sentinel answers' };
  const named = live.filter((v) => sameAddress(v.master, master));
  if (named.length === 0) return { ready: [], waitingFor: `Sentinel to name ${formatAddress(master)} as the master` };
  const naming = named.filter((v) => !v.tilt);
  if (naming.length === 0) return { ready: [], waitingFor: 'Sentinel to leave TILT (it acts on nothing for 30 s after its clock jumped)' };
  if (!target) {
    const ready = naming.filter((v) => (v.replicas ?? []).some((r) => r.ok && r.priority > 0));
    return { ready: ready.map((v) => v.sentinel), waitingFor: ready.length > 0 ? '' : 'Sentinel to learn a replica with its link up' };
  }
  const knowsTarget = naming.filter((v) => (v.replicas ?? []).some((r) => sameAddress(r.address, target) && r.ok && r.priority > 0));
  if (knowsTarget.length === 0) return { ready: [], waitingFor: `Sentinel to know ${formatAddress(target)} as a replica with its link up` };
  const ready = knowsTarget.filter((v) => (v.replicas ?? []).every((r) => sameAddress(r.address, target) || !r.ok || r.priority === 0));
  return {
    ready: ready.map((v) => v.sentinel),
    waitingFor: ready.length > 0 ? '' : 'Sentinel to read replica-priority 0 on the other replicas (it reads each replica once per INFO period)',
  };
}

/**
 * The ready sentinels in the order to ask them SENTINEL FAILOVER (pure): the one clients ask last
 * first. Clients ask their sentinels in list order (`/sentinels`, byAddress), and redis-py finds
 * the master with SENTINEL MASTERS, which on the failover's leader names the old master until the
 * failover ends (~1 s after the promotion, once Sentinel has read every other replica's INFO);
 * the other sentinels name the new one as soon as the leader announces the promotion (its hello
 * goes out at once). So the leader is the sentinel clients reach last.
 *
 * | ready (in list order) | asked in this order |
 * |-----------------------|---------------------|
 * | A                     | A                   |
 * | A, B, C               | C, A, B             |
 * | B, A (unsorted)       | B, A                |
 */
export function leaderFirst(ready: readonly Address[]): Address[] {
  const sorted = [...ready].sort(byAddress);
  return sorted.length > 1 ? [sorted.at(-1)!, ...sorted.slice(0, -1)] : sorted;
}

/**
 * Whether the only ready sentinel is the one clients ask first (pure): with it leading, redis-py's
 * SENTINEL MASTERS names the old master until the failover ends (~1 s), so the handover waits a
 * little (one INFO period) for another sentinel to become ready. Counted among the sentinels that
 * answer and monitor the set; with one of them there is nobody else to wait for.
 *
 * | answering (list order) | ready   | only the first asked |
 * |------------------------|---------|----------------------|
 * | A, B, C                | A       | yes                  |
 * | A, B, C                | A, C    | no                   |
 * | A, B, C                | B       | no                   |
 * | A                      | A       | no                   |
 * | A, B, C                | none    | no                   |
 */
export function onlyFirstAskedReady(views: readonly SentinelView[], ready: readonly Address[]): boolean {
  const answering = monitoring(views).map((v) => v.sentinel);
  if (answering.length < 2 || ready.length !== 1) return false;
  const first = answering.sort(byAddress)[0]!;
  return sameAddress(ready[0]!, first);
}

export type SentinelMove =
  | { readonly kind: 'none' }
  | { readonly kind: 'pause'; readonly reason: string }
  | { readonly kind: 'follow'; readonly to: Address; readonly reason: string };

/**
 * What a master that is handing over does about a failover Sentinel runs on its own (pure): writes
 * it takes while Sentinel promotes another node are lost once that node takes over (its replicas
 * still acknowledge them until Sentinel moves them), so it pauses them; once a majority of the
 * sentinels that answer names another master, or the sentinels at the newest config epoch give
 * clients another one (the failover's leader does from the promotion on, ~1 s before the others
 * hear of it), it follows that one (a stopping master has nothing to lose by it: its writes are
 * paused, and it stops next; the caller follows only a node that answers as master).
 *
 * | sentinels (answering, monitoring)                          | move                 |
 * |------------------------------------------------------------|----------------------|
 * | a majority names another master                            | follow it            |
 * | the newest config epoch's sentinels give clients another   | follow it            |
 * | one failing over, neither of the above                     | pause writes         |
 * | no failover, a majority names this master or none          | none                 |
 */
export function sentinelMove(views: readonly SentinelView[], master: Address): SentinelMove {
  const c = sentinelConsensus(views);
  if (c.master && !sameAddress(c.master, master)) {
    return { kind: 'follow', to: c.master, reason: `${c.votes}/${c.voters} sentinels name ${formatAddress(c.master)}` };
  }
  const newest = newestConfig(views);
  // newestConfig needs every sentinel at that epoch to agree: none of them names this master.
  if (newest.master && !sameAddress(newest.master, master)) {
    return { kind: 'follow', to: newest.master, reason: `the sentinels at config epoch ${newest.configEpoch} give clients ${formatAddress(newest.master)}` };
  }
  if (c.failoverInProgress) return { kind: 'pause', reason: 'Sentinel is failing over on its own: writes taken here now could be lost' };
  return { kind: 'none' };
}
