import type { Address, HistoryEvent, SetStatus } from '@redis-zk/core';

export type { FailoverRecord, ReplicaStatus, SetStatus } from '@redis-zk/core';

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

export interface Verdict {
  readonly ok: boolean;
  readonly reason: string;
}

/** What the HTTP API reads (the watcher keeps it current from ZooKeeper's watches and Sentinel's events); requests never read ZooKeeper for discovery. */
export interface WatcherView {
  sentinels(): readonly Address[];
  masters(): ReadonlyMap<string, Address>;
  health(): Health;
  freshness(): Freshness;
  /** Whether the process answers (on the API's thread: the main thread's last sign of life is recent). */
  liveness(): Verdict;
  /** Gathered on request from the sentinels and the masters, each question bounded in time. */
  status(): Promise<Record<string, SetStatus>>;
  /** A set's history from ZooKeeper, oldest first; null when the set has none (never recorded, or unknown). */
  history(name: string): Promise<readonly HistoryEvent[] | null>;
}
