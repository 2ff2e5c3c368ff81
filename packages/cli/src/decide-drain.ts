import { type Address, DEFAULT_TAGS, formatAddress, type NodeTags, type PauseRecord, type ReplicationState, sameAddress } from '@redis-zk/core';

/** A node as the drain sees it: where it runs (its member record's agent, HOST under Marathon) and its tags. */
export interface DrainNode {
  readonly address: Address;
  readonly agent?: string | undefined;
  readonly tags: NodeTags;
}

/** What the drain knows of one set before deciding. */
export interface DrainFacts {
  readonly set: string;
  /** The agent drained, as the operator named it. */
  readonly host: string;
  /** ZooKeeper's master, with its agent (null: none, or junk). */
  readonly master: DrainNode | null;
  /** INFO replication of the master (null: it does not answer). */
  readonly state: ReplicationState | null;
  /** The set's replicas as their member records name them (agent, tags). */
  readonly nodes: readonly DrainNode[];
  readonly paused: PauseRecord | null;
}

export type DrainDecision =
  | { readonly kind: 'move'; readonly target: Address; readonly reason: string }
  /** `onAgent`: the master is (or may be) on the agent and stays there. */
  | { readonly kind: 'skip'; readonly onAgent: boolean; readonly reason: string };

/**
 * Whether a node runs on the drained agent: its member record's agent (HOST, the Mesos agent's
 * hostname or address) or its announced host is the name given (case aside). Both, because an
 * operator may name an agent by hostname or by address, and the agent label lets a single-host
 * stack (every node on 127.0.0.1) name agents apart.
 */
export const onHost = (n: DrainNode, host: string): boolean => [n.agent, n.address.host].some((h) => h !== undefined && h.toLowerCase() === host.toLowerCase());

/**
 * One set's move off the drained agent (pure). The target is an online replica of the master that
 * is not on the agent and not never-promote: the lowest FAILOVER_PRIORITY, then the furthest
 * along (the shortest catch-up while writes are paused), then the lowest address.
 *
 * | situation                                                | decision                    |
 * |----------------------------------------------------------|-----------------------------|
 * | ZooKeeper names no master                                | skip (not known on it)      |
 * | the master is not on the agent                           | skip (not on it)            |
 * | paused (maintenance mode)                                | skip, stays on the agent    |
 * | the master does not answer                               | skip, stays on the agent    |
 * | no online replica off the agent that may be promoted     | skip, stays on the agent    |
 * | otherwise                                                | move to the best such one   |
 */
export function decideDrain(f: DrainFacts): DrainDecision {
  if (!f.master) return { kind: 'skip', onAgent: false, reason: 'ZooKeeper names no master' };
  const m = formatAddress(f.master.address);
  if (!onHost(f.master, f.host)) return { kind: 'skip', onAgent: false, reason: `master ${m} is not on ${f.host}` };
  if (f.paused) return { kind: 'skip', onAgent: true, reason: `paused (maintenance mode, by ${f.paused.by}): resume it first` };
  if (f.state?.role !== 'master') return { kind: 'skip', onAgent: true, reason: `master ${m} does not answer as a master` };
  const nodeOf = (a: Address): DrainNode => f.nodes.find((n) => sameAddress(n.address, a)) ?? { address: a, tags: DEFAULT_TAGS };
  const candidates = f.state.replicas
    .filter((r) => r.online)
    .map((r) => ({ ...nodeOf(r.address), offset: r.offset }))
    .filter((n) => !onHost(n, f.host) && !n.tags.neverPromote)
    .sort((a, b) => a.tags.priority - b.tags.priority || b.offset - a.offset || formatAddress(a.address).localeCompare(formatAddress(b.address)));
  const best = candidates[0];
  if (!best) return { kind: 'skip', onAgent: true, reason: `no online replica off ${f.host} that may be promoted` };
  return {
    kind: 'move',
    target: best.address,
    reason: `master ${m} is on ${f.host}; ${formatAddress(best.address)}${best.agent ? ` (on ${best.agent})` : ''} is the preferred online replica off it`,
  };
}
