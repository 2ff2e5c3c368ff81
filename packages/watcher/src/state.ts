import type { Address, HistoryEvent, SetStatus } from '@redis-zk/core';

export type { FailoverRecord, ReplicaStatus, SetStatus } from '@redis-zk/core';

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
  /** A set's history from ZooKeeper, oldest first; null when the set has none (never recorded, or unknown). */
  history(name: string): Promise<readonly HistoryEvent[] | null>;
}
