import { type Address, type Consensus, formatAddress, newestConfig, type RegisteredMaster, type SentinelView, sameAddress } from '@redis-zk/core';

/** Why ZooKeeper was left as it is: `named` (it already names the address), `older` (it holds a newer change), `other`. */
export type SkipKind = 'named' | 'older' | 'other';

export type WriteDecision =
  | { readonly kind: 'write'; readonly address: Address; readonly epoch: number; readonly reason: string }
  | { readonly kind: 'skip'; readonly why: SkipKind; readonly reason: string };

/** A reported failover checked against the sentinels' configuration, asked after it arrived. */
export type EventCheck =
  | { readonly kind: 'current'; readonly epoch: number; readonly reason: string }
  | { readonly kind: 'stale'; readonly reason: string }
  | { readonly kind: 'unconfirmed'; readonly reason: string };

/**
 * Whether a failover event (its new master `to`) is still the news, and its epoch: the config
 * epoch of the newest configuration among `views` (sentinels asked after the event arrived), when
 * that configuration names `to`. An event can arrive late (a frozen watcher reads its socket's
 * backlog on resume, a replay after a ZooKeeper outage): when the newest configuration names
 * another master, a later failover has happened and the event is stale; it is dropped, never
 * written with the current epoch (that moved ZooKeeper back to a dead master).
 *
 * | views (newest config epoch → master)      | result                          |
 * |-------------------------------------------|---------------------------------|
 * | e1 → to                                   | current, epoch 1                |
 * | e2 → C (≠ to)                             | stale                           |
 * | e2 → to, e1 → A                           | current, epoch 2                |
 * | e2 → to and e2 → C (disagree)             | unconfirmed                     |
 * | none answers or monitors the set          | unconfirmed                     |
 */
export function checkEvent(to: Address, views: readonly SentinelView[]): EventCheck {
  const newest = newestConfig(views);
  if (newest.answering === 0) return { kind: 'unconfirmed', reason: 'no sentinel asked answers and monitors the set' };
  if (!newest.master) return { kind: 'unconfirmed', reason: `the sentinels at config epoch ${newest.configEpoch} disagree` };
  if (!sameAddress(newest.master, to)) {
    return {
      kind: 'stale',
      reason: `the newest configuration (epoch ${newest.configEpoch}) names ${formatAddress(newest.master)}, not ${formatAddress(to)}: a later failover`,
    };
  }
  return { kind: 'current', epoch: newest.configEpoch, reason: `config epoch ${newest.configEpoch} names ${formatAddress(to)}` };
}

/**
 * A failover Sentinel reported (+promoted-slave or +switch-master), with the epoch checkEvent
 * found for it: write at once, unless ZooKeeper already says so or holds a change of the same or
 * a newer epoch (one epoch, one failover: ZooKeeper only moves forward). Sentinel has just
 * promoted the address, so it is not probed first (speed matters here; reconciles double-check).
 */
export function decideOnSwitch(reg: RegisteredMaster | null, to: Address, epoch: number): WriteDecision {
  if (reg && sameAddress(reg.address, to)) {
    return { kind: 'skip', why: 'named', reason: `ZooKeeper already names ${formatAddress(to)}` };
  }
  if (reg && (epoch < reg.epoch || (epoch === reg.epoch && epoch > 0))) {
    return { kind: 'skip', why: 'older', reason: `event epoch ${epoch} is not newer than ZooKeeper's epoch ${reg.epoch}` };
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
    return {
      kind: 'skip',
      why: 'other',
      reason: consensus.voters === 0 ? 'no reachable sentinel monitors the set' : `no majority among ${consensus.voters} sentinels`,
    };
  }
  if (reg && sameAddress(reg.address, agreed)) {
    return { kind: 'skip', why: 'named', reason: 'ZooKeeper agrees with the sentinels' };
  }
  if (consensus.failoverInProgress) {
    return { kind: 'skip', why: 'other', reason: 'a failover is in progress' };
  }
  if (!agreedIsLiveMaster) {
    return { kind: 'skip', why: 'other', reason: `the sentinels' ${formatAddress(agreed)} does not answer as master; never write a dead address` };
  }
  if (reg && consensus.configEpoch < reg.epoch) {
    return { kind: 'skip', why: 'older', reason: `the sentinels' epoch ${consensus.configEpoch} is older than ZooKeeper's ${reg.epoch}` };
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

/** The newest failover a watcher has handled for a set: its config epoch and new master. */
export interface HandledFailover {
  readonly epoch: number;
  readonly to: Address;
}

/**
 * Whether a checked event repeats a failover already handled (pure). Every sentinel reports the
 * same failover (its leader twice), within a second or two; a repeat is dropped by its epoch, not
 * by its addresses and arrival time: a later failover between the same two nodes (A to B, back,
 * and to B again within seconds) is news (a 10 s key on the addresses once dropped it, and only
 * the reconcile, 10 s later, put it in ZooKeeper). An unconfirmed or stale repeat of the handled
 * failover is dropped too, quietly.
 *
 * | handled      | event to | check              | repeat |
 * |--------------|----------|--------------------|--------|
 * | none         | B        | current, epoch 1   | no     |
 * | e1 → B       | B        | current, epoch 1   | yes    |
 * | e1 → B       | B        | current, epoch 3   | no     |
 * | e2 → A       | B        | current, epoch 1   | yes    |
 * | e1 → B       | B        | unconfirmed        | yes    |
 * | e1 → B       | C        | unconfirmed        | no     |
 */
export function repeatsHandled(handled: HandledFailover | undefined, to: Address, check: EventCheck): boolean {
  if (!handled) return false;
  if (check.kind === 'current') return check.epoch <= handled.epoch;
  return sameAddress(to, handled.to);
}
