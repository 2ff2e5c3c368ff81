import { type Address, formatAddress, sameAddress, type Consensus } from '@redis-zk/core';

/** What is known about one replica set when deciding what the local Sentinel should monitor. */
export interface SetSnapshot {
  readonly name: string;
  /** `masters/{name}`; null when it does not parse. */
  readonly registered: Address | null;
  readonly registeredIsLiveMaster: boolean;
  /** What the local Sentinel monitors for this set now (null: not monitored). */
  readonly monitored: {
    readonly address: Address;
    readonly isLiveMaster: boolean;
    readonly failoverInProgress: boolean;
    /** The local Sentinel's config epoch for the set, and whether it knows a replica (it hears other sentinels' hello messages through them). */
    readonly configEpoch?: number;
    readonly knowsReplicas?: boolean;
  } | null;
  /** What the other registered sentinels agree on, and whether that address is a live master. */
  readonly others: Consensus;
  readonly othersMasterIsLive: boolean;
  /** What the other sentinels holding the newest config epoch give clients (newestConfig). */
  readonly othersNewest?: { readonly master: Address | null; readonly configEpoch: number };
}

export type SetAction =
  | { readonly kind: 'monitor'; readonly address: Address; readonly reason: string }
  | { readonly kind: 'repoint'; readonly from: Address; readonly to: Address; readonly reason: string }
  | { readonly kind: 'keep'; readonly reason: string };

/**
 * What the local Sentinel should do about one set:
 * - not monitored yet: monitor ZooKeeper's master if it answers as master; otherwise the live
 *   master the other sentinels agree on; otherwise ZooKeeper's address all the same (it is
 *   re-pointed once ZooKeeper names a live one);
 * - monitored where ZooKeeper says: keep, or reset when Sentinel knows none of its online replicas
 *   (monitored before they followed it: until its next INFO it could not fail over);
 * - monitored elsewhere: never move away from a master that still answers (ZooKeeper lags
 *   Sentinel, the watcher catches up), nor during a failover; move to ZooKeeper's master only
 *   when it is live and the monitored one is not (e.g. after a whole-set restart), and not when
 *   another sentinel already names it at a newer config epoch: the local Sentinel learns that from
 *   their hello messages within moments (the watcher writes ZooKeeper when the failover's leader
 *   sees the promotion, before the others have heard), and re-monitoring would reset its epoch
 *   and forget the set's replicas and sentinels.
 */
export function planSet(s: SetSnapshot): SetAction {
  const show = formatAddress;
  if (!s.monitored) {
    if (s.registered && s.registeredIsLiveMaster) {
      return { kind: 'monitor', address: s.registered, reason: `ZooKeeper names ${show(s.registered)}, a live master` };
    }
    if (s.others.master && s.othersMasterIsLive) {
      const zk = s.registered ? `ZooKeeper's ${show(s.registered)} does not answer as master` : 'ZooKeeper holds no valid address';
      return {
        kind: 'monitor',
        address: s.others.master,
        reason: `${zk}; ${s.others.votes}/${s.others.voters} other sentinels agree on live master ${show(s.others.master)}`,
      };
    }
    if (s.registered) {
      return {
        kind: 'monitor',
        address: s.registered,
        reason: `ZooKeeper names ${show(s.registered)}; it does not answer as master and no other sentinel knows a live one`,
      };
    }
    return { kind: 'keep', reason: 'ZooKeeper holds no valid address for this set' };
  }
  const current = s.monitored.address;
  if (!s.registered || sameAddress(current, s.registered)) {
    return { kind: 'keep', reason: s.registered ? "already monitoring ZooKeeper's master" : 'ZooKeeper holds no valid address for this set' };
  }
  if (s.monitored.isLiveMaster) {
    return { kind: 'keep', reason: `monitored master ${show(current)} still answers as master; ZooKeeper (${show(s.registered)}) will catch up` };
  }
  if (s.monitored.failoverInProgress) {
    return { kind: 'keep', reason: 'Sentinel is failing over' };
  }
  if (!s.registeredIsLiveMaster) {
    return { kind: 'keep', reason: `neither the monitored ${show(current)} nor ZooKeeper's ${show(s.registered)} answers as master` };
  }
  const newest = s.othersNewest;
  const localEpoch = s.monitored.configEpoch ?? 0;
  if (newest?.master && sameAddress(newest.master, s.registered) && newest.configEpoch > localEpoch && s.monitored.knowsReplicas) {
    return {
      kind: 'keep',
      reason: `other sentinels name ${show(s.registered)} at config epoch ${newest.configEpoch} (this one: ${localEpoch}); Sentinel follows them`,
    };
  }
  return { kind: 'repoint', from: current, to: s.registered, reason: `monitored ${show(current)} is dead; ZooKeeper names live master ${show(s.registered)}` };
}
