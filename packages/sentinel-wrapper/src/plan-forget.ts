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
 * voters a failover's leader needs a majority of. With enough of them no failover can ever be
 * authorised, while the set's master is dead; SENTINEL RESET would forget them but also the
 * replicas, which a Sentinel re-learns only from the master's INFO, so the watcher's cleanup
 * cannot use it then. Instead the local Sentinel is restarted without them in its config file.
 *
 * A peer is dead when it is not registered in ZooKeeper, has been missing for `graceMs`, and the
 * local Sentinel takes it for down. Forgetting it is done only when it unblocks a set: the live
 * sentinels (not down, this one included) are fewer than the votes needed now and enough once the
 * dead are left out. Safe across a partition as long as the quorum is a majority of the sentinels
 * deployed (as shipped: 2 of 3): a leader always needs `quorum` votes, so a minority side cannot
 * fail over whatever it forgot. Never while a failover of any set is under way, nor without
 * ZooKeeper.
 *
 * | sets                                                     | decision          |
 * |----------------------------------------------------------|-------------------|
 * | ZooKeeper unreadable                                     | keep              |
 * | a failover in progress                                   | keep              |
 * | 3 live of 6 known (3 dead, past grace), quorum 2         | forget the 3 dead |
 * | 3 live of 6 known, the dead missing for less than grace  | keep              |
 * | 3 live of 5 known (2 dead): 3 >= 3 needed                | keep (not blocked)|
 * | 1 live of 3 known (2 dead), quorum 2                     | keep (still < 2)  |
 * | a dead peer still registered (or not down)               | not dead          |
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
  const unblocked: string[] = [];
  const forget = new Map<string, Address>();
  for (const v of s.sets) {
    const dead = v.peers.filter(isDead);
    if (dead.length === 0) continue;
    const known = v.peers.length + 1;
    const live = 1 + v.peers.filter((p) => !p.down).length;
    const neededNow = votesNeeded(known, v.quorum);
    const neededAfter = votesNeeded(known - dead.length, v.quorum);
    if (live >= neededNow || live < neededAfter) continue;
    unblocked.push(
      `${v.name}: ${live} live of ${known} sentinels known, a failover needs ${neededNow}; without the ${dead.length} dead (${dead
        .map((p) => formatAddress(p.address))
        .join(', ')}) it needs ${neededAfter}`,
    );
    for (const p of dead) forget.set(formatAddress(p.address), p.address);
  }
  if (forget.size === 0) return { kind: 'keep', reason: 'no set is kept from failing over by dead sentinels' };
  return {
    kind: 'forget',
    peers: [...forget.values()],
    reason: `dead sentinels (unregistered for at least ${s.graceMs} ms, down) block a failover: ${unblocked.join('; ')}`,
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
