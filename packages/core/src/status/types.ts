import type { Address } from '../address';
import type { HistoryEvent } from '../members/history';
import type { NodeTags } from '../members/tags';
import type { PauseRecord } from '../pause/record';
import type { Problem } from './problems';

/** The set's last change of master other than an election: from the history in ZooKeeper, else as the watcher saw it. */
export interface FailoverRecord {
  readonly at: string; // ISO time
  readonly from: Address | null;
  readonly to: Address;
  readonly cause?: HistoryEvent['cause'];
  /** The write outage as recorded, and what it measures. */
  readonly durationMs?: number;
  readonly outageBasis?: HistoryEvent['outageBasis'];
  /** Bytes the old master had beyond the promoted node's offset (possibly lost), when measured. */
  readonly offsetGapBytes?: number;
}

export interface ReplicaStatus {
  readonly address: Address;
  /** What the node answers itself when it is registered and answers; else as Sentinel lists it. */
  readonly role: string; // 'replica' | 'master' | 'unknown'
  readonly linkStatus: string; // 'up' | 'down' | 'unknown'
  readonly offset: number | null;
  /** Bytes behind the master's replication offset, when both are known. */
  readonly lag: number | null;
  /** The Mesos task and agent running it, from its member record (under Marathon). */
  readonly task?: string;
  readonly agent?: string;
  /** Its failover tags (NEVER_PROMOTE, FAILOVER_PRIORITY), from its member record; absent: none published. */
  readonly tags?: NodeTags;
}

export interface SentinelStatus {
  readonly address: Address;
  readonly reachable: boolean;
  /** The master this sentinel names for the set (null: unreachable, or it does not monitor the set). */
  readonly names?: Address | null;
}

/** A set's pause as /status shows it. */
export interface PausedStatus {
  readonly by: string;
  /** Since when (ISO time). */
  readonly since: string;
  readonly reason: string;
  /** How long it has been paused, by the gatherer's clock. */
  readonly forSeconds: number;
}

/** A pause record as /status shows it, `now` the gatherer's clock (pure). */
export const pausedStatus = (p: PauseRecord, now: number): PausedStatus => ({
  by: p.by,
  since: new Date(p.at).toISOString(),
  reason: p.reason,
  forSeconds: Math.max(0, Math.round((now - p.at) / 1000)),
});

export interface SetStatus {
  readonly master: Address | null;
  readonly masterReachable: boolean;
  /** The Mesos task and agent running the master, from its member record (under Marathon). */
  readonly masterTask?: string;
  readonly masterAgent?: string;
  readonly masterTags?: NodeTags;
  /** What is wrong with the set now (see problems.ts); empty when healthy. */
  readonly problems: readonly Problem[];
  readonly replicas: readonly ReplicaStatus[];
  readonly keys: number | null;
  readonly sentinels: readonly SentinelStatus[];
  /** Sentinels that name ZooKeeper's master for the set. */
  readonly sentinelsAgreeing: number;
  /** The set's Sentinel quorum, as the first sentinel that answers has it (null: none answers). */
  readonly sentinelQuorum: number | null;
  readonly failoverInProgress: boolean;
  readonly lastFailover: FailoverRecord | null;
  /** The last changes of master recorded in ZooKeeper, newest last (the whole history: `/history/<set>`). */
  readonly recentChanges: readonly HistoryEvent[];
  /** The set's pause (maintenance mode, `redis-zk pause`): who, since when (ISO), why; null when not paused (or unknown: ZooKeeper did not answer). */
  readonly paused: PausedStatus | null;
  /** true while ZooKeeper is away: `master` (and /sentinels, /masters) are the last known, possibly out of date. */
  readonly stale: boolean;
  /** Since when (ISO), while stale. */
  readonly staleSince: string | null;
}
