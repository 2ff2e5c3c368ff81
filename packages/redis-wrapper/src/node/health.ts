import { type Address, formatAddress, isLiveMaster, isMajority, liveSetMaster, newestConfig, sameAddress, sentinelConsensus } from '@redis-zk/core';
import type { RoleView } from './role-decide';
import { no, ok, type ReplicaLag, type Verdict, withinLag } from './verdict';

export type { Verdict } from './verdict';

/** The set's master as this node sees it: the Sentinel majority's live master, else ZooKeeper's. */
function setMaster(v: RoleView): Address | null {
  const live = (a: Address | null | undefined): a is Address =>
    !!a && (sameAddress(a, v.self) ? v.local?.role === 'master' : isLiveMaster(v.probes.get(formatAddress(a))));
  return liveSetMaster(sentinelConsensus(v.sentinels), v.registered, live);
}

/**
 * Whether this node may take writes through a proxy: a writable master that ZooKeeper (as last
 * read: ZooKeeper away alone must not cut writes) and the sentinels holding the set's newest
 * configuration both name, with a majority of the registered sentinels answering (a master cut off
 * with its own agent's sentinel must not pass). The newest configuration, not a majority's vote:
 * right after a failover only its leader names the promoted master (the others follow within
 * moments), and a majority may still name a master the set has left.
 */
export function primary(v: RoleView): Verdict {
  if (v.local?.role !== 'master') return no(v.local ? 'not a master' : 'redis-server does not answer');
  const newest = newestConfig(v.sentinels);
  const total = v.sentinels.length;
  if (!isMajority(newest.answering, total)) return no(`only ${newest.answering}/${total} sentinels answer (cut off from their majority?)`);
  if (!sameAddress(newest.master, v.self)) {
    const at = `the sentinels at config epoch ${newest.configEpoch}`;
    return no(newest.master ? `${at} name ${formatAddress(newest.master)}` : `${at} disagree or name no master`);
  }
  if (!sameAddress(v.registered, v.self)) return no(`ZooKeeper names ${v.registered ? formatAddress(v.registered) : 'no master'}`);
  return ok(`master named by ZooKeeper and the sentinels at config epoch ${newest.configEpoch} (${newest.answering}/${total} answer)`);
}

/** The replica check of one view, worked out once: the verdict without a lag bound, and the lag behind the set's master. */
export interface ReplicaCheck {
  readonly verdict: Verdict;
  /** Set when this node is a replica and the set's master is known. */
  readonly lag?: ReplicaLag;
}

/** A replica with its link up to the set's master, and how far behind it is. */
export function replicaCheck(v: RoleView): ReplicaCheck {
  const local = v.local;
  if (local?.role !== 'replica') return { verdict: no(local ? 'not a replica' : 'redis-server does not answer') };
  const master = setMaster(v);
  const m = master ? v.probes.get(formatAddress(master)) : undefined;
  const lag = master
    ? { lag: { bytes: m?.reachable ? Math.max(0, m.replOffset - local.offset) : Number.POSITIVE_INFINITY, master: formatAddress(master) } }
    : {};
  if (!local.linkUp || local.syncInProgress) return { verdict: no(local.syncInProgress ? 'initial sync in progress' : 'link to its master is down'), ...lag };
  if (!master || !sameAddress(local.following, master)) {
    const follows = local.following ? formatAddress(local.following) : 'nothing';
    return { verdict: no(`follows ${follows}, not the set's master (${master ? formatAddress(master) : 'none known'})`), ...lag };
  }
  return { verdict: ok(`replica of ${formatAddress(master)}, link up`), ...lag };
}

/** /replica: replicaCheck's verdict; `maxLagBytes` bounds how far behind the replica may be. */
export function replica(v: RoleView, maxLagBytes?: number): Verdict {
  const c = replicaCheck(v);
  return withinLag(c.verdict, c.lag, maxLagBytes);
}

/**
 * Ready for Marathon to go on with a deployment: a master once ZooKeeper names it; a replica
 * once it is synced with the set's master AND a majority of the registered sentinels list it as
 * such with its link up, so that Sentinel could fail over to it (with no sentinel registered yet,
 * as during a first deployment, the sync alone counts).
 */
export function readiness(v: RoleView, synced: Verdict = replicaCheck(v).verdict): Verdict {
  const local = v.local;
  if (!local) return no('redis-server does not answer');
  if (local.role === 'master') {
    return sameAddress(v.registered, v.self)
      ? ok('master, registered in ZooKeeper')
      : no(`master, but ZooKeeper names ${v.registered ? formatAddress(v.registered) : 'no master'}`);
  }
  if (!synced.ok) return synced;
  const asked = v.sentinels.filter((s) => s.reachable && s.monitors);
  if (v.sentinels.length === 0) return ok(`${synced.reason}; no sentinel registered yet`);
  const listing = asked.filter(
    (s) => s.reachable && s.replicas?.some((r) => sameAddress(r.address, v.self) && r.ok && sameAddress(r.following, local.following)),
  );
  if (!isMajority(listing.length, v.sentinels.length)) {
    return no(`${synced.reason}, but only ${listing.length}/${v.sentinels.length} sentinels list it with its link up`);
  }
  return ok(`${synced.reason}; ${listing.length}/${v.sentinels.length} sentinels list it`);
}
