import { type Address, formatAddress, sameAddress } from '@redis-zk/core';

/** One live sentinel's view of one replica set. */
export interface SentinelState {
  readonly address: Address;
  /** `SENTINEL SENTINELS <name>`: the other sentinels it knows (never itself). */
  readonly peers: readonly Address[];
  /** `num-slaves` from `SENTINEL MASTER <name>`. */
  readonly knownReplicas: number;
  readonly failoverInProgress: boolean;
  readonly quorum: number;
  /**
   * When the watcher last sent it `SENTINEL RESET` (ms epoch), while that is recent enough to
   * matter; the view must have been read after that reset.
   */
  readonly resetAt?: number | undefined;
}

/** What is known about one replica set when deciding whether to reset one of its sentinels. */
export interface ResetSnapshot {
  /** The replica set (the name Sentinel monitors it under). */
  readonly name: string;
  /** Live sentinels registered in ZooKeeper. */
  readonly registered: readonly Address[];
  /** Answers from the registered sentinels that answered. */
  readonly views: readonly SentinelState[];
  /**
   * For peers that are not registered: `formatAddress(peer)` -> ms epoch when the caller first
   * saw it missing. A peer without an entry counts as missing since `now`.
   */
  readonly goneSince: ReadonlyMap<string, number>;
  readonly now: number;
  /** How long a peer must be missing from ZooKeeper to be gone for good. */
  readonly graceMs: number;
  /** Replicas the master reports (or the most any sentinel knows). */
  readonly expectedReplicas: number;
  /** Stop waiting for a reset sentinel to rediscover its replicas and peers after this long. */
  readonly settleTimeoutMs: number;
}

export type ResetDecision =
  /** Send `SENTINEL RESET <name>` to `sentinel`; it forgets `stale` (and rediscovers the rest). */
  | { readonly kind: 'reset'; readonly sentinel: Address; readonly stale: readonly Address[]; readonly reason: string }
  /** Something is stale, but resetting now is not safe (failover, a sentinel recovering, quorum). */
  | { readonly kind: 'wait'; readonly reason: string }
  /** Nothing stale. */
  | { readonly kind: 'none'; readonly reason: string };

/**
 * Whether to `SENTINEL RESET` one sentinel of a set, so it forgets peers that died (a dead peer
 * still counts towards the majority needed to authorize a failover). Resetting also makes it
 * forget the replicas for a while, so, in this order:
 * - stale peers are those listed by some sentinel that are not registered in ZooKeeper and have
 *   been missing for at least `graceMs`; a peer that was already missing when some sentinel was
 *   reset, yet that sentinel lists it again, still announces itself (hello messages): it is not
 *   dead and resetting cannot make the sentinels forget it, so it is not stale (this avoids
 *   resetting every sentinel in turn forever);
 *   none stale -> `none`;
 * - a failover reported by any sentinel -> `wait`;
 * - a sentinel reset earlier that does not yet know `expectedReplicas` replicas and all the other
 *   registered sentinels -> `wait`, until `settleTimeoutMs` after its reset (one at a time);
 * - otherwise reset the lowest-addressed sentinel listing a stale peer such that the other
 *   sentinels that know all the replicas are at least the quorum (highest reported); if there is
 *   none -> `wait`.
 * Views are taken in address order, so every watcher decides alike whatever order they came in.
 */
export function planReset(s: ResetSnapshot): ResetDecision {
  const views = [...s.views].sort((a, b) => compare(formatAddress(a.address), formatAddress(b.address)));
  const set = `replica set ${JSON.stringify(s.name)}`;
  const { unregistered, relearnedBy } = unregisteredPeers(views, s);
  if (unregistered.size === 0) {
    return {
      kind: 'none',
      reason:
        views.length === 0
          ? `${set}: no registered sentinel answered, so none is known to count a stale peer`
          : `${set}: every peer the ${count(views.length, 'answering sentinel')} know is registered in ZooKeeper`,
    };
  }
  const { stale, notes } = stalePeers(unregistered, relearnedBy, s);
  if (stale.length === 0) return { kind: 'none', reason: `${set}: no stale peer; ${notes.join('; ')}` };
  const staleText = `stale ${stale.length === 1 ? 'peer' : 'peers'} ${stale.map(formatAddress).join(', ')}`;

  const failing = views.filter((v) => v.failoverInProgress);
  if (failing.length > 0) {
    return {
      kind: 'wait',
      reason: `${set}: failover in progress (reported by ${list(failing.map((v) => v.address))}); not resetting anything for ${staleText}`,
    };
  }
  const settling = waitForEarlierReset(views, s, `${set}:`, staleText);
  if (settling.kind === 'wait') return settling;
  return chooseReset(views, s, {
    set,
    stale,
    staleText,
    extra: [...(settling.gaveUp.length ? [`stopped waiting: ${settling.gaveUp.join('; ')}`] : []), ...notes],
  });
}

/**
 * Peers no registration names, and which sentinels re-learned them after a reset: a reset
 * sentinel knows no peer, and only learns those that send hello messages, so a peer already
 * missing from ZooKeeper when it was reset but listed now is alive.
 */
function unregisteredPeers(views: readonly SentinelState[], s: ResetSnapshot) {
  const isRegistered = (a: Address): boolean => s.registered.some((r) => sameAddress(r, a));
  const unregistered = new Map<string, Address>();
  const relearnedBy = new Map<string, Address[]>();
  for (const v of views) {
    for (const p of v.peers) {
      if (isRegistered(p)) continue;
      const key = formatAddress(p);
      unregistered.set(key, p);
      const since = s.goneSince.get(key);
      if (v.resetAt !== undefined && since !== undefined && since <= v.resetAt) {
        relearnedBy.set(key, [...(relearnedBy.get(key) ?? []), v.address]);
      }
    }
  }
  return { unregistered, relearnedBy };
}

/** The unregistered peers gone past the grace and not re-learned; notes on the others. */
function stalePeers(unregistered: Map<string, Address>, relearnedBy: Map<string, Address[]>, s: ResetSnapshot) {
  const stale: Address[] = [];
  const pending: string[] = [];
  const announcing: string[] = [];
  for (const key of [...unregistered.keys()].sort(compare)) {
    const missing = s.now - (s.goneSince.get(key) ?? s.now);
    const by = relearnedBy.get(key);
    if (missing < s.graceMs) {
      pending.push(`${key} (missing for ${duration(missing)}, ${duration(s.graceMs - missing)} left of the ${duration(s.graceMs)} grace)`);
    } else if (by) {
      announcing.push(`${key} (missing for ${duration(missing)}, but re-learned by ${by.map(formatAddress).join(', ')} after being reset)`);
    } else {
      stale.push(unregistered.get(key)!);
    }
  }
  const notes = [
    ...(pending.length ? [`not gone for good yet: ${pending.join('; ')}`] : []),
    ...(announcing.length ? [`unregistered but still announcing itself (check its ZooKeeper registration): ${announcing.join('; ')}`] : []),
  ];
  return { stale, notes };
}

/** One reset at a time: wait while a sentinel reset earlier has not re-learned the set, up to the settle timeout. */
function waitForEarlierReset(
  views: readonly SentinelState[],
  s: ResetSnapshot,
  set: string,
  staleText: string,
): { kind: 'wait'; reason: string } | { kind: 'go'; gaveUp: string[] } {
  const gaveUp: string[] = [];
  for (const v of views) {
    if (v.resetAt === undefined) continue;
    const otherRegistered = s.registered.filter((r) => !sameAddress(r, v.address));
    const peersKnown = otherRegistered.filter((r) => v.peers.some((p) => sameAddress(p, r))).length;
    if (v.knownReplicas >= s.expectedReplicas && peersKnown >= otherRegistered.length) continue;
    const since = s.now - v.resetAt;
    const progress = `knows ${v.knownReplicas}/${s.expectedReplicas} replicas and ${peersKnown}/${otherRegistered.length} registered peers`;
    if (since < s.settleTimeoutMs) {
      return {
        kind: 'wait',
        reason:
          `${set} ${formatAddress(v.address)} was reset ${duration(since)} ago and ${progress}; waiting for it to ` +
          `recover (at most ${duration(s.settleTimeoutMs - since)} more) before resetting another for ${staleText}`,
      };
    }
    gaveUp.push(`${formatAddress(v.address)} still ${progress} ${duration(since)} after its reset (settle timeout ${duration(s.settleTimeoutMs)})`);
  }
  return { kind: 'go', gaveUp };
}

/** The lowest-addressed sentinel counting a stale peer whose reset leaves a quorum knowing every replica; else wait. */
function chooseReset(
  views: readonly SentinelState[],
  s: ResetSnapshot,
  o: { set: string; stale: Address[]; staleText: string; extra: string[] },
): ResetDecision {
  const { set, stale, staleText, extra } = o;
  const staleKeys = new Set(stale.map(formatAddress));
  const quorum = Math.max(...views.map((v) => v.quorum));
  const knowAll = views.filter((v) => v.knownReplicas >= s.expectedReplicas);
  const candidates = views.filter((v) => v.peers.some((p) => staleKeys.has(formatAddress(p))));
  for (const c of candidates) {
    const others = knowAll.filter((v) => v !== c);
    if (others.length < quorum) continue;
    const forgets = stale.filter((p) => c.peers.some((q) => sameAddress(p, q)));
    return {
      kind: 'reset',
      sentinel: c.address,
      stale: forgets,
      reason:
        `${set}: ${formatAddress(c.address)} still counts ${forgets.length === 1 ? 'stale peer' : 'stale peers'} ` +
        `${list(forgets)} (${missingText(forgets, s)}, grace ` +
        `${duration(s.graceMs)}); ${count(others.length, 'other sentinel')} know all ` +
        `${s.expectedReplicas} replicas (${list(others.map((v) => v.address))}), quorum ${quorum}` +
        (extra.length ? `; ${extra.join('; ')}` : ''),
    };
  }
  const first = candidates[0]!;
  const left = knowAll.filter((v) => v !== first);
  return {
    kind: 'wait',
    reason:
      `${set}: ${knowAll.length} of the ${count(views.length, 'answering sentinel')} ${knowAll.length === 1 ? 'knows' : 'know'} ` +
      `all ${s.expectedReplicas} replicas${knowAll.length ? ` (${list(knowAll.map((v) => v.address))})` : ''}; ` +
      `resetting ${formatAddress(first.address)} for ${staleText} would leave ${left.length} ` +
      `other${left.length === 1 ? '' : 's'} knowing them, fewer than quorum ${quorum}` +
      (candidates.length > 1 ? `, and resetting ${list(candidates.slice(1).map((v) => v.address))} would not leave enough either` : ''),
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const list = (as: readonly Address[]): string => as.map(formatAddress).join(', ');

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

function missingText(peers: readonly Address[], s: ResetSnapshot): string {
  const since = (p: Address): string => `missing for ${duration(s.now - (s.goneSince.get(formatAddress(p)) ?? s.now))}`;
  return peers.length === 1 ? since(peers[0]!) : peers.map((p) => `${formatAddress(p)} ${since(p)}`).join(', ');
}

/** `950 ms`, `12.5 s`, `3.2 min`. */
export function duration(ms: number): string {
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}
