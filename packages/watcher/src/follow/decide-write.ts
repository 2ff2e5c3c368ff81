import { type Address, type Consensus, formatAddress, type RegisteredMaster, sameAddress } from '@redis-zk/core';

export type WriteDecision =
  | { readonly kind: 'write'; readonly address: Address; readonly epoch: number; readonly reason: string }
  | { readonly kind: 'skip'; readonly reason: string };

/**
 * A failover Sentinel reported (+promoted-slave or +switch-master): write at once, unless
 * ZooKeeper already says so or holds a newer failover's master (its epoch is higher than the
 * event's). Sentinel has just promoted the
 * address, so it is not probed first (speed matters here; reconciles double-check).
 */
export function decideOnSwitch(reg: RegisteredMaster | null, to: Address, epoch: number): WriteDecision {
  if (reg && sameAddress(reg.address, to)) {
    return { kind: 'skip', reason: `ZooKeeper already names ${formatAddress(to)}` };
  }
  if (reg && epoch < reg.epoch) {
    return { kind: 'skip', reason: `event epoch ${epoch} is older than ZooKeeper's epoch ${reg.epoch}` };
  }
  return { kind: 'write', address: to, epoch, reason: `Sentinel failed over to ${formatAddress(to)} (epoch ${epoch})` };
}

/**
 * A reconcile: correct ZooKeeper only toward an address a strict majority of the reachable
 * sentinels agree on and that answers as master, never during a failover, never back to an
 * older failover's master.
 */
export function decideOnReconcile(reg: RegisteredMaster | null, consensus: Consensus, agreedIsLiveMaster: boolean): WriteDecision {
  const agreed = consensus.master;
  if (!agreed) {
    return { kind: 'skip', reason: consensus.voters === 0 ? 'no reachable sentinel monitors the set' : `no majority among ${consensus.voters} sentinels` };
  }
  if (reg && sameAddress(reg.address, agreed)) {
    return { kind: 'skip', reason: 'ZooKeeper agrees with the sentinels' };
  }
  if (consensus.failoverInProgress) {
    return { kind: 'skip', reason: 'a failover is in progress' };
  }
  if (!agreedIsLiveMaster) {
    return { kind: 'skip', reason: `the sentinels' ${formatAddress(agreed)} does not answer as master; never write a dead address` };
  }
  if (reg && consensus.configEpoch < reg.epoch) {
    return { kind: 'skip', reason: `the sentinels' epoch ${consensus.configEpoch} is older than ZooKeeper's ${reg.epoch}` };
  }
  const was = reg?.address ? formatAddress(reg.address) : 'nothing';
  return {
    kind: 'write',
    address: agreed,
    epoch: consensus.configEpoch,
    reason:
      `${consensus.votes}/${consensus.voters} sentinels agree on live master ` +
      `${formatAddress(agreed)} (epoch ${consensus.configEpoch}); ZooKeeper named ${was}`,
  };
}
