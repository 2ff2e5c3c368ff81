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
}

export interface Health {
  readonly ok: boolean;
  readonly zookeeper: boolean;
  /** The sentinel whose +switch-master the watcher is subscribed to. */
  readonly following: Address | null;
  readonly reasons: readonly string[];
}

/** What the HTTP API reads: in-memory state, kept current by ZooKeeper watches and Sentinel. */
export interface WatcherView {
  sentinels(): readonly Address[];
  masters(): ReadonlyMap<string, Address>;
  health(): Health;
  /** Gathered on request from the sentinels and the masters, each question bounded in time. */
  status(): Promise<Record<string, SetStatus>>;
}
