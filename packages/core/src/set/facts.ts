import { type Address, formatAddress } from '../address';
import type { SentinelView } from '../sentinel/query';

// The rules every decision about a set is made with, each named and defined once (the table of
// which decision uses which is in docs/architecture.md, "The rules a decision uses").

/** A strict majority: more than half of `of`. Every "majority" of the sentinels is this. */
export const isMajority = (count: number, of: number): boolean => count * 2 > of;

/** Majority master: what the sentinels that answer and monitor the set agree on. */
export interface Consensus {
  /** The master a strict majority of the sentinels that answer and monitor the set agree on. */
  readonly master: Address | null;
  readonly votes: number;
  readonly voters: number;
  readonly failoverInProgress: boolean;
  readonly configEpoch: number;
}

/**
 * What the sentinels agree on for one set. Sentinels that do not answer, or do not monitor the
 * set, do not vote. A failover seen by any sentinel is reported, so callers can wait it out.
 */
export function sentinelConsensus(views: readonly SentinelView[]): Consensus {
  const voting = views.filter((v) => v.reachable && v.monitors && v.master);
  const tally = new Map<string, { address: Address; votes: number; epoch: number }>();
  for (const v of voting) {
    if (!v.reachable || !v.master) continue;
    const key = formatAddress(v.master);
    const entry = tally.get(key) ?? { address: v.master, votes: 0, epoch: 0 };
    entry.votes += 1;
    entry.epoch = Math.max(entry.epoch, v.configEpoch);
    tally.set(key, entry);
  }
  const best = [...tally.values()].sort((a, b) => b.votes - a.votes)[0];
  const majority = !!best && isMajority(best.votes, voting.length);
  return {
    master: majority ? best.address : null,
    votes: best?.votes ?? 0,
    voters: voting.length,
    failoverInProgress: views.some((v) => v.reachable && v.monitors && v.failoverInProgress),
    configEpoch: majority ? best.epoch : 0,
  };
}

export interface NewestConfig {
  /** What the sentinels holding the newest config epoch give clients; null when they disagree or none answers. */
  readonly master: Address | null;
  readonly configEpoch: number;
  /** Sentinels that answer and monitor the set. */
  readonly answering: number;
}

/**
 * The set's newest configuration among the sentinels that answer: a config epoch grows only when
 * a failover's leader, elected by a majority for that epoch, has seen its replica promoted, so
 * the sentinel with the highest one knows the latest failover first (the others learn it from
 * its hello messages moments later). Uses the address Sentinel gives clients (`current`).
 */
export function newestConfig(views: readonly SentinelView[]): NewestConfig {
  const answering = views.filter((v) => v.reachable && v.monitors);
  let configEpoch = -1;
  let named: Array<Address | null> = [];
  for (const v of answering) {
    if (!v.reachable) continue;
    const m = v.current === undefined ? v.master : v.current;
    if (v.configEpoch > configEpoch) {
      configEpoch = v.configEpoch;
      named = [m];
    } else if (v.configEpoch === configEpoch) named.push(m);
  }
  const first = named[0] ?? null;
  const agree = !!first && named.every((m) => !!m && formatAddress(m) === formatAddress(first));
  return { master: agree ? first : null, configEpoch: Math.max(configEpoch, 0), answering: answering.length };
}

/**
 * Reach: how many sentinels a node cannot reach, out of all it knows of (those registered, or
 * more if a sentinel counts more: Sentinel fails over with a majority of the sentinels it knows),
 * and whether those out of reach could make a majority on their own, and so fail over without it.
 */
export function sentinelReach(views: readonly SentinelView[]): { known: number; unreachable: number; majorityLost: boolean } {
  const reachable = views.filter((x) => x.reachable).length;
  const counted = views.flatMap((x) => (x.reachable && x.knownSentinels ? [x.knownSentinels] : []));
  const known = Math.max(views.length, ...counted);
  const unreachable = known - reachable;
  return { known, unreachable, majorityLost: known > 0 && isMajority(unreachable, known) };
}

/**
 * The set's master as a node sees it: the live master a Sentinel majority names (Sentinel is the
 * authority), else the live master ZooKeeper names (it lags Sentinel, and names the master alone
 * after an election or a recovery Sentinel has not learnt yet). `live`: whether an address
 * answers as a master (the caller's probes).
 */
export function liveSetMaster(consensus: Consensus, registered: Address | null, live: (a: Address | null | undefined) => a is Address): Address | null {
  if (live(consensus.master)) return consensus.master;
  return live(registered) ? registered : null;
}
