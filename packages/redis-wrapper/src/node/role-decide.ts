import {
  type Address,
  formatAddress,
  isLiveMaster,
  newestConfig,
  type PauseRecord,
  type Probe,
  type ReplicationState,
  sameAddress,
  isMajority,
  liveSetMaster,
  sentinelConsensus,
  sentinelReach,
  type SentinelView,
} from '@redis-zk/core';

/** What one tick of the node loop sees: the local server, ZooKeeper's master, the sentinels. */
export interface RoleView {
  readonly self: Address;
  /** null when the local redis-server did not answer. */
  readonly local: ReplicationState | null;
  /** `masters/{name}` as last read (null: none, or ZooKeeper never answered). */
  readonly registered: Address | null;
  /** false when this tick's ZooKeeper read failed (or timed out): `registered` is the last one known. */
  readonly zkCurrent: boolean;
  readonly sentinels: readonly SentinelView[];
  /** Probes of the addresses that matter: the sentinels' master, ZooKeeper's, the one followed. */
  readonly probes: ReadonlyMap<string, Probe>;
  /** For how long no live master has been known to this node (0 while one is). */
  readonly masterlessForMs: number;
  /** Past this, Sentinel is taken to be stuck and the replicas recover by themselves. */
  readonly stuckAfterMs: number;
  /** The set's pause (maintenance mode, `paused/<name>`) as last read; null or absent: not paused. */
  readonly paused?: PauseRecord | null;
  /** A sentinel reported starting a failover from this node (`+try-failover`) this long ago, within a failover-timeout. */
  readonly failoverReported?: { readonly sentinel: Address; readonly agoMs: number };
}

export type RoleAction =
  | { readonly kind: 'none'; readonly reason: string }
  /** A replica re-points to the set's master. */
  | { readonly kind: 'follow'; readonly master: Address; readonly reason: string }
  /** A master that the set has moved on from demotes itself to a replica of the new one. */
  | { readonly kind: 'fence'; readonly master: Address; readonly reason: string }
  /** A master that may have been left behind, but cannot tell: its writes wait (a short CLIENT PAUSE WRITE, renewed) instead of being acknowledged. */
  | { readonly kind: 'pause'; readonly reason: string }
  /** No master for too long: run the recovery (under the set's lock, with every node probed). */
  | { readonly kind: 'recover'; readonly reason: string };

/**
 * Keeps the node's role in step with the set, after start as well as at it:
 * - nothing while the local server does not answer or a sentinel is failing over;
 * - the set's master is the live master a majority of the sentinels name, else the live master
 *   ZooKeeper names (Sentinel is the authority; ZooKeeper lags it, and names the master alone
 *   after an election or a recovery Sentinel has not learnt yet);
 * - a master demotes itself only when a Sentinel majority AND ZooKeeper both name another live
 *   master, of a later Sentinel epoch than any sentinel that still names this node (ZooKeeper
 *   alone, or ZooKeeper being away, never demotes it; right after Sentinel promotes this node, its
 *   leader names it at the new epoch while the others still name the old master for a moment);
 * - a master pauses its writes while neither side vouches for it: ZooKeeper is out of reach (or
 *   names another live master) AND the sentinels out of reach could make a majority (or a majority
 *   names another live master). The far side may be failing over; what it acknowledged then would
 *   be lost. Either side alone vouching is enough (a ZooKeeper or a Sentinel outage alone never
 *   stops writes);
 * - a replica re-points to the set's master when what it follows is dead, not a master, or a live
 *   master that a Sentinel majority and ZooKeeper both no longer name, at a later epoch than any
 *   sentinel that names it (Sentinel's leader re-points replicas before the others catch up);
 * - a replica with no live master anyone names (ZooKeeper or a sentinel) for `stuckAfterMs`, or a
 *   master no one names for as long (an orphan: its promoting sentinel died before telling the
 *   others), asks for a recovery, which promotes the freshest replica or names the orphan;
 * - nothing at all while the set is paused (maintenance mode, `redis-zk pause`): no re-pointing,
 *   fencing, write pause or recovery; the operator acts (and Sentinel fails nothing over).
 */
export function decideRole(v: RoleView): RoleAction {
  const show = formatAddress;
  if (!v.local) return { kind: 'none', reason: 'the local redis-server does not answer' };
  if (v.paused) {
    return {
      kind: 'none',
      reason: `the set is paused (maintenance mode, by ${v.paused.by} since ${new Date(v.paused.at).toISOString()}): no automatic action`,
    };
  }
  const consensus = sentinelConsensus(v.sentinels);
  const liveMaster = (a: Address | null | undefined): a is Address => !!a && !sameAddress(a, v.self) && isLiveMaster(v.probes.get(show(a)));
  if (consensus.failoverInProgress) {
    if (v.local.role === 'master')
      return pauseFor(v, '') || fenceToPromoted(v) || failingOverFrom(v) || reportedFailoverFrom(v) || { kind: 'none', reason: 'sentinels are failing over' };
    return followPromoted(v) ?? { kind: 'none', reason: 'sentinels are failing over' };
  }
  const byBoth = (a: Address) => sameAddress(consensus.master, a) && sameAddress(v.registered, a);
  // The latest Sentinel epoch at which any sentinel names `a` its master (-1: none does).
  const epochOf = (a: Address | null | undefined) =>
    Math.max(-1, ...v.sentinels.flatMap((x) => (x.reachable && x.monitors && sameAddress(x.master, a) ? [x.configEpoch] : [])));
  const newer = (a: Address, than: Address | null | undefined) => epochOf(a) > epochOf(than);
  const sentinelTarget = liveMaster(consensus.master) ? consensus.master : null;
  const target = liveSetMaster(consensus, v.registered, liveMaster);
  const namedBy = (a: Address) =>
    [sameAddress(consensus.master, a) ? `${consensus.votes}/${consensus.voters} sentinels` : '', sameAddress(v.registered, a) ? 'ZooKeeper' : '']
      .filter(Boolean)
      .join(' and ');

  if (v.local.role === 'master') {
    if (sentinelTarget && byBoth(sentinelTarget)) {
      if (!newer(sentinelTarget, v.self)) {
        return {
          kind: 'none',
          reason:
            `${namedBy(sentinelTarget)} name ${show(sentinelTarget)}, but a sentinel names ` +
            `this node at epoch ${epochOf(v.self)} (not older): Sentinel is still switching`,
        };
      }
      return {
        kind: 'fence',
        master: sentinelTarget,
        reason: `this node is a master, but ${namedBy(sentinelTarget)} name live master ${show(sentinelTarget)} (epoch ${epochOf(sentinelTarget)})`,
      };
    }
    const paused = pauseFor(v, sentinelTarget && newer(sentinelTarget, v.self) ? `${namedBy(sentinelTarget)} name live master ${show(sentinelTarget)}` : '');
    if (paused) return paused;
    const reported = reportedFailoverFrom(v);
    if (reported) return reported;
    if (v.masterlessForMs >= v.stuckAfterMs) {
      return { kind: 'recover', reason: `this master has been named by no sentinel nor ZooKeeper for ${v.masterlessForMs} ms (an orphan)` };
    }
    return { kind: 'none', reason: 'master' };
  }

  const following = v.local.following;
  if (!target) {
    if (v.masterlessForMs >= v.stuckAfterMs) {
      return { kind: 'recover', reason: `no live master named for ${v.masterlessForMs} ms (Sentinel stuck after ${v.stuckAfterMs} ms)` };
    }
    if (liveMaster(following))
      return { kind: 'none', reason: `following live master ${show(following)}, which no majority of sentinels nor ZooKeeper names yet` };
    return { kind: 'none', reason: `no live master known (for ${v.masterlessForMs} ms); waiting for Sentinel` };
  }
  if (sameAddress(following, target)) return { kind: 'none', reason: `following the set's master ${show(target)}` };
  if (liveMaster(following) && !byBoth(target)) {
    return { kind: 'none', reason: `following live master ${show(following)}; ${show(target)} is named by ${namedBy(target)} only` };
  }
  if (liveMaster(following) && !newer(target, following)) {
    return {
      kind: 'none',
      reason:
        `following live master ${show(following)}, which a sentinel names at epoch ` +
        `${epochOf(following)} (not older than ${show(target)}'s): Sentinel is still switching`,
    };
  }
  const state = !following
    ? 'no master'
    : liveMaster(following)
      ? `live master ${show(following)}, which the set has left`
      : v.probes.get(show(following))?.reachable
        ? `${show(following)}, which is not a master`
        : `${show(following)}, which does not answer`;
  return { kind: 'follow', master: target, reason: `following ${state}; ${namedBy(target)} name live master ${show(target)}` };
}

/**
 * A master that a sentinel is failing over from (its failover of the set names this node as the
 * master it leaves) pauses its writes: once Sentinel promotes a replica, the other replicas still
 * follow this node until Sentinel re-points them, and a write they acknowledge here (`WAIT 1`
 * passes) is lost when they resync from the new master. Renewed while the failover runs; lifted
 * when it is aborted, and the fence follows when it ends. (A planned switchover pauses on its own.)
 */
function failingOverFrom(v: RoleView): RoleAction | null {
  const leaving = leavingSentinel(v);
  return leaving
    ? {
        kind: 'pause',
        reason: `sentinel ${formatAddress(leaving.sentinel)} is failing over from this master: writes taken here now could be lost with the replicas it re-points`,
      }
    : null;
}

/**
 * A sentinel reported starting a failover from this master (`+try-failover`) and cannot be asked
 * now (nemesis seed 244768771: its connection was still coming back after the partition of this
 * node's agent healed; a tick that did not hear it lifted the pause, and Sentinel promoted a
 * replica 0.6 s later: writes the other replica acknowledged meanwhile were lost). Not knowing is
 * not "no failover": the pause holds until that sentinel answers (its failover aborted, or ended:
 * the fence follows), for at most a failover-timeout.
 */
function reportedFailoverFrom(v: RoleView): RoleAction | null {
  const r = v.failoverReported;
  if (!r) return null;
  const reporter = v.sentinels.find((s) => sameAddress(s.sentinel, r.sentinel));
  if (reporter?.reachable) return null;
  return {
    kind: 'pause',
    reason: `sentinel ${formatAddress(r.sentinel)} reported a failover from this master ${r.agoMs} ms ago and does not answer now: it may be promoting a replica`,
  };
}

/** A sentinel whose failover of the set names this node as the master it leaves. */
const leavingSentinel = (v: RoleView) => v.sentinels.find((s) => s.reachable && s.monitors && s.failoverInProgress && sameAddress(s.master, v.self));

/**
 * A master that a sentinel is failing over from follows the replica Sentinel promoted as soon as
 * the sentinels at the newest config epoch name it (a majority of the registered answering) and it
 * answers as a master: from the promotion on the failover cannot be aborted and the leader gives
 * clients the new master, but Sentinel demotes the old one only after the failover ends and the
 * other sentinels hear of it (1-2 s later), and meanwhile its writes wait paused.
 */
function fenceToPromoted(v: RoleView): RoleAction | null {
  if (!leavingSentinel(v)) return null;
  const p = promotedMaster(v);
  return p && { kind: 'fence', master: p.master, reason: `a sentinel is failing over from this master and ${p.named}` };
}

/**
 * The live master the sentinels at the newest config epoch name (a majority of the registered
 * answering), unless it is this node: the replica a failover's leader promoted, before the others hear.
 */
function promotedMaster(v: RoleView): { master: Address; named: string } | null {
  const newest = newestConfig(v.sentinels);
  const promoted = newest.master;
  if (!promoted || sameAddress(promoted, v.self)) return null;
  if (!isMajority(newest.answering, v.sentinels.length) || !isLiveMaster(v.probes.get(formatAddress(promoted)))) return null;
  return {
    master: promoted,
    named: `the sentinels at config epoch ${newest.configEpoch} name live master ${formatAddress(promoted)} (${newest.answering}/${v.sentinels.length} answer)`,
  };
}

/**
 * During Sentinel's failover, a replica whose master does not answer follows the master Sentinel
 * has promoted, once the sentinels holding the newest config epoch name it (a majority of the
 * registered sentinels answering) and it answers as a master: Sentinel's leader would send it
 * there, but re-points the replicas `parallel-syncs` at a time, and a dead replica still on its
 * list (a lost agent's) holds that slot until failover-timeout: the set's only live replica then
 * waited a whole failover-timeout (60 s as shipped) and no write passed WAIT 1. Sentinel's own
 * later REPLICAOF to the same master changes nothing. A replica whose master answers (a
 * switchover) is left to Sentinel.
 */
function followPromoted(v: RoleView): RoleAction | null {
  const following = v.local?.following;
  const followed = following ? v.probes.get(formatAddress(following)) : undefined;
  if (!following || !followed || followed.reachable) return null;
  const p = promotedMaster(v);
  if (!p || sameAddress(p.master, following)) return null;
  return { kind: 'follow', master: p.master, reason: `following ${formatAddress(following)}, which does not answer, while Sentinel fails over: ${p.named}` };
}

/**
 * For a master: pause its writes while neither ZooKeeper nor the sentinels vouch for it
 * (`sentinelsElsewhere`: why the sentinels name another master, if they do).
 */
function pauseFor(v: RoleView, sentinelsElsewhere: string): RoleAction | null {
  const other = v.registered && !sameAddress(v.registered, v.self) && isLiveMaster(v.probes.get(formatAddress(v.registered))) ? v.registered : null;
  const zkSays = !v.zkCurrent ? 'ZooKeeper is out of reach' : other ? `ZooKeeper names live master ${formatAddress(other)}` : '';
  const reach = sentinelReach(v.sentinels);
  const sentinelsSay = reach.majorityLost ? `${reach.unreachable} of ${reach.known} sentinels are out of reach` : sentinelsElsewhere;
  return zkSays && sentinelsSay ? { kind: 'pause', reason: `this node is a master, but ${zkSays} and ${sentinelsSay}` } : null;
}

/**
 * Whether the node knows a live master someone names: ZooKeeper (as last read) or a sentinel
 * (its master, or the promoted replica it gives clients mid-failover). A master no one names,
 * or a replica of one, counts as masterless: past `stuckAfterMs` the recovery names it.
 */
export function namedMasterKnown(v: Pick<RoleView, 'self' | 'local' | 'registered' | 'sentinels' | 'probes'>): boolean {
  const named = (a: Address) =>
    sameAddress(v.registered, a) || v.sentinels.some((s) => s.reachable && s.monitors && (sameAddress(s.master, a) || sameAddress(s.current, a)));
  if (v.local?.role === 'master') return named(v.self) || namedLiveElsewhere(v, named);
  const following = v.local?.following;
  return namedLiveElsewhere(v, named) || (!!following && named(following) && isLiveMaster(v.probes.get(formatAddress(following))));
}

/** A live master other than this node that ZooKeeper or a sentinel names. */
function namedLiveElsewhere(v: Pick<RoleView, 'self' | 'registered' | 'sentinels' | 'probes'>, named: (a: Address) => boolean): boolean {
  const candidates = [v.registered, ...v.sentinels.flatMap((s) => (s.reachable && s.monitors ? [s.master, s.current] : []))];
  return candidates.some((a) => !!a && !sameAddress(a, v.self) && named(a) && isLiveMaster(v.probes.get(formatAddress(a))));
}
