import { type Address, formatAddress, sameAddress } from '@redis-zk/core';

/** What the local Sentinel knows of one set's other sentinels (SENTINEL MASTER and SENTINEL SENTINELS). */
export interface PeerSetView {
  readonly name: string;
  readonly quorum: number;
  readonly failoverInProgress: boolean;
  /** The other sentinels it counts for this set; `down`: it takes them for down (s_down). */
  readonly peers: ReadonlyArray<{ readonly address: Address; readonly down: boolean }>;
}

export interface ForgetSnapshot {
  readonly sets: readonly PeerSetView[];
  /** The sentinels registered in ZooKeeper; null when ZooKeeper could not be read (nothing is decided then). */
  readonly registered: readonly Address[] | null;
  /** formatAddress(peer) → when it was first seen unregistered (ms). */
  readonly goneSince: ReadonlyMap<string, number>;
  readonly now: number;
  /** How long a peer must be missing from ZooKeeper before it is gone for good (SENTINEL_CLEANUP_GRACE_MS). */
  readonly graceMs: number;
}

export type ForgetDecision =
  /** Restart the local Sentinel with these peers left out of its config file (its replicas, epochs and the rest kept). */
  { readonly kind: 'forget'; readonly peers: readonly Address[]; readonly reason: string } | { readonly kind: 'keep'; readonly reason: string };

/** Votes a failover's leader needs for a set Sentinel counts `known` sentinels of (itself included). */
export const votesNeeded = (known: number, quorum: number): number => Math.max(quorum, Math.floor(known / 2) + 1);

/**
 * Whether the local Sentinel must forget dead peers now (pure). Sentinel never forgets a sentinel
 * it once heard: every dead one (a task killed and replaced on a new port) still counts among the
 * voters a failover's leader needs a majority of. Enough of them and no failover is authorised:
 * with 3 dead of 6 known for ever; with 1 dead of 4 as soon as one live sentinel does not vote
 * (nemesis seed 1645111017: a sentinel stuck in a failover whose promoted replica died, which
 * Sentinel never ends, votes for no other). SENTINEL RESET would forget them but also the
 * replicas, which a Sentinel re-learns only from its master's INFO: the watcher's cleanup cannot
 * use it while the master is dead or a failover is under way. So the local Sentinel is restarted
 * without them in its config file (replicas, epochs and id kept).
 *
 * A peer is dead when it is not registered in ZooKeeper, has been missing for `graceMs`, and the
 * local Sentinel takes it for down. Forgetting is safe across a partition as long as the quorum
 * is a majority of the sentinels deployed (as shipped: 2 of 3): a leader always needs `quorum`
 * votes, so a minority side cannot fail over whatever it forgot (and re-learns the others from
 * their hello messages once the partition heals); a set with quorum 1 is left alone. Never while
 * the local Sentinel fails over any set, nor without ZooKeeper.
 *
 * | sets                                                       | decision          |
 * |------------------------------------------------------------|-------------------|
 * | ZooKeeper unreadable                                       | keep              |
 * | a failover in progress here                                | keep              |
 * | 3 dead of 6 known, past the grace (failover impossible)    | forget the 3      |
 * | 1 dead of 4 known, past the grace                          | forget it         |
 * | the dead missing for less than the grace                   | keep              |
 * | a dead peer still registered (or not down)                 | not dead          |
 * | quorum 1                                                   | keep              |
 */
export function planForget(s: ForgetSnapshot): ForgetDecision {
  if (s.registered === null) return { kind: 'keep', reason: 'ZooKeeper could not be read' };
  const failing = s.sets.filter((v) => v.failoverInProgress);
  if (failing.length > 0) return { kind: 'keep', reason: `a failover of ${failing.map((v) => v.name).join(', ')} is in progress` };
  const registered = s.registered;
  const isDead = (p: PeerSetView['peers'][number]): boolean => {
    if (!p.down || registered.some((r) => sameAddress(r, p.address))) return false;
    const since = s.goneSince.get(formatAddress(p.address));
    return since !== undefined && s.now - since >= s.graceMs;
  };
  const sets: string[] = [];
  const forget = new Map<string, Address>();
  for (const v of s.sets) {
    const dead = v.peers.filter(isDead);
    if (dead.length === 0 || v.quorum < 2) continue;
    const known = v.peers.length + 1;
    const live = 1 + v.peers.filter((p) => !p.down).length;
    sets.push(
      `${v.name}: ${live} live of ${known} known (a leader needs ${votesNeeded(known, v.quorum)} votes; without the ${dead.length} dead ` +
        `${dead.map((p) => formatAddress(p.address)).join(', ')}: ${votesNeeded(known - dead.length, v.quorum)})`,
    );
    for (const p of dead) forget.set(formatAddress(p.address), p.address);
  }
  if (forget.size === 0) return { kind: 'keep', reason: 'no dead sentinel to forget' };
  return {
    kind: 'forget',
    peers: [...forget.values()],
    reason: `dead sentinels (unregistered for at least ${s.graceMs} ms, down) still count among the voters: ${sets.join('; ')}`,
  };
}

/** The lines of Sentinel's config file that name `peers` as known sentinels, left out (pure). */
export function withoutKnownSentinels(config: string, peers: readonly Address[]): string {
  return config
    .split('\n')
    .filter((line) => {
      const m = /^\s*sentinel\s+known-sentinel\s+\S+\s+(\S+)\s+(\d+)(\s|$)/i.exec(line);
      return !m || !peers.some((p) => p.host === m[1] && p.port === Number(m[2]));
    })
    .join('\n');
}
