import type { Address } from '@redis-zk/core';
import type { Problem } from './problems';

/** A failover the watcher saw (from +switch-master or a reconcile correction). */
export interface FailoverRecord {
  readonly at: string; // ISO time
  readonly from: Address | null;
  readonly to: Address;
}

export interface ReplicaStatus {
  readonly address: Address;
  readonly linkStatus: string; // 'up' | 'down' | 'unknown'
  readonly offset: number | null;
  /** Bytes behind the master's replication offset, when both are known. */
  readonly lag: number | null;
}

export interface SetStatus {
  readonly master: Address | null;
  readonly masterReachable: boolean;
  /** What is wrong with the set now (see problems.ts); empty when healthy. */
  readonly problems: readonly Problem[];
  readonly replicas: readonly ReplicaStatus[];
  readonly keys: number | null;
  readonly sentinels: ReadonlyArray<{ readonly address: Address; readonly reachable: boolean }>;
  readonly lastFailover: FailoverRecord | null;
  /** true while ZooKeeper is away: `master` (and /sentinels, /masters) are the last known, possibly out of date. */
  readonly stale: boolean;
  /** Since when (ISO), while stale. */
  readonly staleSince: string | null;
}

/** How current the served view is. */
export interface Freshness {
  /** The sentinel list has been read from ZooKeeper at least once: until then /sentinels answers 503. */
  readonly sentinelsLoaded: boolean;
  /** The masters have been read from ZooKeeper at least once: until then /masters and /master answer 503. */
  readonly mastersLoaded: boolean;
  /** Since when (ISO) ZooKeeper has been away, the view kept as last read; null while current. */
  readonly staleSince: string | null;
}

export interface Health {
  readonly ok: boolean;
  readonly zookeeper: boolean;
  /** The sentinel whose +switch-master the watcher is subscribed to. */
  readonly following: Address | null;
  readonly reasons: readonly string[];
}

export interface Verdict { readonly ok: boolean; readonly reason: string }

/** What the HTTP API reads: in-memory state, kept current by ZooKeeper watches and Sentinel. */
export interface WatcherView {
  sentinels(): readonly Address[];
  masters(): ReadonlyMap<string, Address>;
  health(): Health;
  freshness(): Freshness;
  /** Whether the process's threads answer (the API thread: the main thread's last sign of life is recent). */
  liveness(): Verdict;
  /** Gathered on request from the sentinels and the masters, each question bounded in time. */
  status(): Promise<Record<string, SetStatus>>;
}
