import { type Address, type Consensus, formatAddress, type PauseRecord, type ReplicationState, sameAddress } from '@redis-zk/core';

/** What `redis-zk switchover` knows before it starts. */
export interface SwitchoverFacts {
  readonly set: string;
  /** masters/<set> exists in ZooKeeper. */
  readonly known: boolean;
  /** ZooKeeper's master (null: not host:port). */
  readonly registered: Address | null;
  /** INFO replication of ZooKeeper's master (null: it does not answer). */
  readonly master: ReplicationState | null;
  /** What the sentinels that answer agree on. */
  readonly consensus: Consensus;
  readonly sentinelsRegistered: number;
  readonly target?: Address | undefined;
  /** INFO replication of the target (null: it does not answer). */
  readonly targetState?: ReplicationState | null | undefined;
  /** The set's pause (maintenance mode); null or absent: not paused. */
  readonly paused?: PauseRecord | null | undefined;
}

export type SwitchoverDecision =
  | { readonly kind: 'go'; readonly master: Address }
  | { readonly kind: 'refuse'; readonly code: 'not-found' | 'unsafe'; readonly reason: string };

const refuse = (reason: string, code: 'not-found' | 'unsafe' = 'unsafe'): SwitchoverDecision => ({ kind: 'refuse', code, reason });

/**
 * Whether a planned switchover may start now (pure): only when ZooKeeper and a Sentinel majority
 * name the same live master, no failover is running, and a synced replica (the target, when one
 * is given) can take over. The switchover itself (core's handOver) then waits, bounded, for
 * Sentinel to be able to fail over, and keeps every acknowledged write.
 *
 * | situation                                              | decision                   |
 * |--------------------------------------------------------|----------------------------|
 * | no masters/<set>                                       | refuse (not found)         |
 * | the set is paused (maintenance mode)                   | refuse                     |
 * | masters/<set> is junk                                  | refuse                     |
 * | no sentinel registered                                 | refuse                     |
 * | a failover in progress                                 | refuse                     |
 * | the master does not answer / is not a master           | refuse                     |
 * | the sentinels' majority names another master, or none  | refuse                     |
 * | no synced replica                                      | refuse                     |
 * | target = the master, not a synced replica, link down   | refuse                     |
 * | target at replica-priority 0 (never-promote)           | refuse                     |
 * | otherwise                                              | go                         |
 */
export function decideSwitchover(f: SwitchoverFacts): SwitchoverDecision {
  if (!f.known) return refuse(`no replica set ${JSON.stringify(f.set)} in ZooKeeper`, 'not-found');
  if (f.paused) {
    return refuse(
      `${f.set} is paused (maintenance mode, since ${new Date(f.paused.at).toISOString()} by ${f.paused.by}): ` +
        `run \`redis-zk resume ${f.set}\` first (a master's SIGTERM still hands over)`,
    );
  }
  const m = f.registered;
  if (!m) return refuse(`ZooKeeper's master of ${f.set} is not a host:port`);
  const show = formatAddress(m);
  if (f.sentinelsRegistered === 0) return refuse('no sentinel is registered: nobody could fail over');
  if (f.consensus.failoverInProgress) return refuse('a failover is in progress; try again once it is over');
  if (!f.master) return refuse(`the master ${show} does not answer`);
  if (f.master.role !== 'master') return refuse(`${show}, ZooKeeper's master, is not a master (a failover ZooKeeper has not caught up with?)`);
  if (!sameAddress(f.consensus.master, m)) {
    const said = f.consensus.master
      ? `${f.consensus.votes}/${f.consensus.voters} sentinels name ${formatAddress(f.consensus.master)}`
      : `no majority of the ${f.consensus.voters} sentinels that answer names a master`;
    return refuse(`the sentinels and ZooKeeper disagree (${said}; ZooKeeper names ${show}): wait until they agree`);
  }
  const synced = f.master.replicas.filter((r) => r.online);
  if (synced.length === 0) return refuse(`${show} has no synced replica to promote`);
  if (f.target) {
    const t = formatAddress(f.target);
    if (sameAddress(f.target, m)) return refuse(`${t} is the master already`);
    if (!synced.some((r) => sameAddress(r.address, f.target)))
      return refuse(`${t} is not a synced replica of ${show} (its replicas: ${synced.map((r) => formatAddress(r.address)).join(', ')})`);
    if (!f.targetState) return refuse(`${t} does not answer`);
    if (f.targetState.role !== 'replica' || !f.targetState.linkUp || !sameAddress(f.targetState.following, m))
      return refuse(`${t} is not a replica of ${show} with its link up`);
    if (f.targetState.priority === 0)
      return refuse(`${t} has replica-priority 0 (never-promote, NEVER_PROMOTE=yes, or held out by another switchover): Sentinel never promotes it`);
  }
  return { kind: 'go', master: m };
}
