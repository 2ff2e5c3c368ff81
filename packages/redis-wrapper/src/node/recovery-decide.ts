import {
  type Address,
  compareFreshness,
  DEFAULT_TAGS,
  formatAddress,
  isLiveMaster,
  type NodeTags,
  type PauseRecord,
  type Probe,
  sameAddress,
  type SentinelView,
} from '@redis-zk/core';

/** Everything a recovery looks at, read under the set's lock. */
export interface RecoverySnapshot {
  readonly self: Address;
  /** Every address of the set anyone mentions (nodes/, the sentinels, what replicas follow), probed. */
  readonly probes: ReadonlyMap<string, Probe>;
  readonly sentinels: readonly SentinelView[];
  /** The history the set's data last belonged to (see latestHistory), if known. */
  readonly latest: string | null;
  /** The set's pause (maintenance mode), read under the lock; null or absent: not paused. */
  readonly paused?: PauseRecord | null;
  /** ZooKeeper's master (`masters/<set>`), read under the lock. */
  readonly registered?: Address | null;
  /** Each node's failover tags by address (formatAddress), from the member records; absent: promotable at the default priority. */
  readonly tags?: ReadonlyMap<string, NodeTags>;
  /** RPO guard (FAILOVER_MAX_LAG_BYTES; 0 or absent: none): never promote a node further behind the last known master offset. */
  readonly maxLagBytes?: number;
  /** The old master's last known replication offset (its member record), when known. */
  readonly lastMasterOffset?: number | null;
}

export type RecoveryDecision =
  | { readonly kind: 'promote'; readonly reason: string }
  /** A live master nobody names (an orphan): ZooKeeper names it, so the sentinels and replicas follow it. */
  | { readonly kind: 'register'; readonly master: Address; readonly reason: string }
  | { readonly kind: 'stand-by'; readonly reason: string };

/**
 * A set Sentinel has left without a master: the live replica with the longest history becomes
 * master (chooseRecovered: never a never-promote node, nor one beyond the RPO guard); a live
 * master no one names (an orphan) is named in ZooKeeper instead. Never while a named master answers, nor
 * while a sentinel is failing over (one whose promoted replica is gone is not: Sentinel never ends
 * it); never an empty node over one with data. And only when every sentinel Sentinel knows
 * answers and takes the master for down (or names a master that answers as a replica). A sentinel out of reach may be
 * beside a live master (a partition): a recovery there makes a second master, and because the
 * recovered master's Sentinel configuration starts again at epoch 0, the old side's sentinel (at
 * a later epoch) wins when the partition heals and the recovered side's writes are lost (the
 * Marathon partition scenario showed both). Sentinel, when it can fail over, is safe there.
 * Never while the set is paused (maintenance mode), read again under the lock.
 */
export function decideRecovery(s: RecoverySnapshot): RecoveryDecision {
  if (s.paused) return { kind: 'stand-by', reason: `the set is paused (maintenance mode, by ${s.paused.by}): no automatic action` };
  const probes = [...s.probes.values()];
  const monitoring = s.sentinels.filter((v): v is Extract<SentinelView, { reachable: true }> => v.reachable && v.monitors);
  // Named: ZooKeeper's master, or a sentinel's (as monitored, or as given to clients mid-failover).
  const named = (a: Address) => sameAddress(s.registered, a) || monitoring.some((v) => sameAddress(v.master, a) || sameAddress(v.current, a));
  const masters = probes.filter((p) => isLiveMaster(p));
  const master = masters.find((p) => named(p.address));
  if (master) return { kind: 'stand-by', reason: `${formatAddress(master.address)} is a live master` };
  if (masters.length > 1) return { kind: 'stand-by', reason: `live masters no one names: ${masters.map((p) => formatAddress(p.address)).join(', ')}` };
  const probed = (a: Address | null | undefined): Probe | undefined => (a ? s.probes.get(formatAddress(a)) : undefined);
  // A failover past its promotion (the sentinel gives clients the promoted replica, no longer its
  // master) whose promoted replica is gone never ends: Redis Sentinel waits for it to come back
  // (nemesis seed 1645111017). It is not a failover under way. Before the promotion it is one.
  const stuck = (v: (typeof monitoring)[number]): boolean => !!v.current && !sameAddress(v.current, v.master) && probed(v.current)?.reachable === false;
  const failing = monitoring.filter((v) => v.failoverInProgress && !stuck(v));
  if (failing.length > 0) return { kind: 'stand-by', reason: `a sentinel is failing over (${formatAddress(failing[0]!.sentinel)})` };
  // A stuck sentinel's count of its peers is not current: its wrapper forgets dead peers only
  // between failovers (plan-forget.ts), and its failover never ends. The others' counts are.
  const known = Math.max(0, ...monitoring.filter((v) => !stuck(v)).map((v) => v.knownSentinels ?? 0), s.sentinels.length);
  // Down for a sentinel: it takes its master for down, or the master it names answers as a replica
  // (a sentinel left on a failed failover's old master, itself re-pointed to the dead promoted one).
  const down = monitoring.filter((v) => {
    const named = probed(v.master);
    return v.flags.includes('s_down') || v.flags.includes('o_down') || (named?.reachable === true && named.role !== 'master');
  });
  if (down.length < known) {
    return {
      kind: 'stand-by',
      reason:
        `${down.length} of the ${known} sentinels known answer and take the master for ` +
        `down; a recovery needs them all (one out of reach may be beside a live master)`,
    };
  }
  // An orphan: a replica Sentinel promoted whose sentinel died before it told the others (nemesis
  // seed 151222646: fresh sentinels started from ZooKeeper's dead master never learn a replica
  // nor each other, and never fail over). It holds the writes since; ZooKeeper names it.
  const orphan = masters[0];
  if (orphan) {
    return {
      kind: 'register',
      master: orphan.address,
      reason: `${formatAddress(orphan.address)} is a live master that no sentinel nor ZooKeeper names (a failover's promotion whose sentinel is gone)`,
    };
  }
  return chooseRecovered(s, probes);
}

/**
 * Among the live nodes, the one to promote: never a never-promote node; the longest history
 * first (data before preference), then the lowest FAILOVER_PRIORITY, then the lowest address
 * (every node agrees); never an empty one, nor one further behind than the RPO guard allows.
 */
function chooseRecovered(s: RecoverySnapshot, probes: readonly Probe[]): RecoveryDecision {
  const tagsOf = (a: Address) => s.tags?.get(formatAddress(a)) ?? DEFAULT_TAGS;
  const live = probes.filter((p): p is Extract<Probe, { reachable: true }> => p.reachable);
  if (!live.some((p) => sameAddress(p.address, s.self))) return { kind: 'stand-by', reason: 'this node was not probed' };
  if (tagsOf(s.self).neverPromote) return { kind: 'stand-by', reason: 'this node is never-promote (NEVER_PROMOTE=yes)' };
  const ranked = live
    .filter((p) => !tagsOf(p.address).neverPromote)
    .sort(
      (a, b) =>
        compareFreshness({ replid: a.replid, offset: a.replOffset, role: a.role }, { replid: b.replid, offset: b.replOffset, role: b.role }, s.latest) ||
        tagsOf(a.address).priority - tagsOf(b.address).priority ||
        formatAddress(a.address).localeCompare(formatAddress(b.address)),
    );
  const best = ranked[0]!;
  const all = ranked.map((p) => `${formatAddress(p.address)}@${p.replOffset}`).join(', ');
  if (!sameAddress(best.address, s.self)) return { kind: 'stand-by', reason: `${formatAddress(best.address)} holds the longest history (${all})` };
  if (best.replOffset === 0 && best.keys === 0) return { kind: 'stand-by', reason: `no live node holds data (${all})` };
  const reference = Math.max(s.lastMasterOffset ?? 0, ...live.map((p) => p.replOffset));
  const lag = reference - best.replOffset;
  if (s.maxLagBytes && lag > s.maxLagBytes) {
    return {
      kind: 'stand-by',
      reason: `RPO guard: this node is ${lag} bytes behind the last known offset ${reference}, above FAILOVER_MAX_LAG_BYTES=${s.maxLagBytes} (${all})`,
    };
  }
  return { kind: 'promote', reason: `no live master; this node holds the longest history of the promotable live nodes (${all})` };
}
