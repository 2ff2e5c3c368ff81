import { formatAddress, isLiveMaster, newestConfig, sameAddress, sentinelConsensus } from '@redis-zk/core';
import type { RoleView } from './role-decide';
import { no, ok, type ReplicaLag, type Verdict, withinLag } from './verdict';

export type { Verdict } from './verdict';

/** The set's master as this node sees it: the Sentinel majority's live master, else ZooKeeper's. */
function setMaster(v: RoleView) {
  const consensus = sentinelConsensus(v.sentinels);
  const live = (a: typeof consensus.master) => !!a && (sameAddress(a, v.self) ? v.local?.role === 'master' : isLiveMaster(v.probes.get(formatAddress(a))));
  return { consensus, master: live(consensus.master) ? consensus.master : live(v.registered) ? v.registered : null };
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
  if (newest.answering * 2 <= total) return no(`only ${newest.answering}/${total} sentinels answer (cut off from their majority?)`);
  if (!sameAddress(newest.master, v.self)) {
    const at = `the sentinels at config epoch ${newest.configEpoch}`;
    return no(newest.master ? `${at} name ${formatAddress(newest.master)}` : `${at} disagree or name no master`);
  }
  if (!sameAddress(v.registered, v.self)) return no(`ZooKeeper names ${v.registered ? formatAddress(v.registered) : 'no master'}`);
  return ok(`master named by ZooKeeper and the sentinels at config epoch ${newest.configEpoch} (${newest.answering}/${total} answer)`);
}

/** A replica with its link up to the set's master; `maxLagBytes` bounds how far behind it may be. */
export function replica(v: RoleView, maxLagBytes?: number): Verdict {
  const local = v.local;
  if (local?.role !== 'replica') return no(local ? 'not a replica' : 'redis-server does not answer');
  if (!local.linkUp || local.syncInProgress) return no(local.syncInProgress ? 'initial sync in progress' : 'link to its master is down');
  const { master } = setMaster(v);
  if (!master || !sameAddress(local.following, master)) {
    return no(
      `follows ${local.following ? formatAddress(local.following) : 'nothing'}, not the set's master (${master ? formatAddress(master) : 'none known'})`,
    );
  }
  return withinLag(ok(`replica of ${formatAddress(master)}, link up`), replicaLag(v), maxLagBytes);
}

/** How far this replica is behind the set's master (undefined unless it is a replica of a known master). */
export function replicaLag(v: RoleView): ReplicaLag | undefined {
  const { master } = setMaster(v);
  if (v.local?.role !== 'replica' || !master) return undefined;
  const m = v.probes.get(formatAddress(master));
  return { bytes: m?.reachable ? Math.max(0, m.replOffset - v.local.offset) : Number.POSITIVE_INFINITY, master: formatAddress(master) };
}

/**
 * Ready for Marathon to go on with a deployment: a master once ZooKeeper names it; a replica
 * once it is synced with the set's master AND a majority of the registered sentinels list it as
 * such with its link up, so that Sentinel could fail over to it (with no sentinel registered yet,
 * as during a first deployment, the sync alone counts).
 */
export function readiness(v: RoleView): Verdict {
  const local = v.local;
  if (!local) return no('redis-server does not answer');
  if (local.role === 'master') {
    return sameAddress(v.registered, v.self)
      ? ok('master, registered in ZooKeeper')
      : no(`master, but ZooKeeper names ${v.registered ? formatAddress(v.registered) : 'no master'}`);
  }
  const synced = replica(v);
  if (!synced.ok) return synced;
  const asked = v.sentinels.filter((s) => s.reachable && s.monitors);
  if (v.sentinels.length === 0) return ok(`${synced.reason}; no sentinel registered yet`);
  const listing = asked.filter(
    (s) => s.reachable && s.replicas?.some((r) => sameAddress(r.address, v.self) && r.ok && sameAddress(r.following, local.following)),
  );
  if (listing.length * 2 <= v.sentinels.length) {
    return no(`${synced.reason}, but only ${listing.length}/${v.sentinels.length} sentinels list it with its link up`);
  }
  return ok(`${synced.reason}; ${listing.length}/${v.sentinels.length} sentinels list it`);
}
