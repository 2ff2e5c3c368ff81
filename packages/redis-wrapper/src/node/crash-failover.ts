import {
  askSentinelsToFailOver,
  type Address,
  askSentinel,
  askSentinels,
  type Directory,
  formatAddress,
  type Logger,
  measureOffsetGap,
  type PauseRecord,
  type ReplicationState,
  sameAddress,
  sentinelConsensus,
  type SentinelView,
  sleep,
  recordMasterChange,
  recordedBy,
} from '@redis-zk/core';
import { type RpoInputs, rpoCheck } from './rpo-guard';
import { steerFailover } from './steer';

export interface CrashInputs {
  dir: Directory;
  name: string;
  /** This node as announced. */
  self: Address;
  log: Logger;
  /** When redis-server died (ms since the epoch). */
  diedAt: number;
  /** The set's pause as the node loop last read it: used when ZooKeeper does not answer now. */
  lastPaused?: PauseRecord | null | undefined;
  /** The master's last INFO replication (the node loop's last tick): for the RPO guard and the history's offsets. */
  last?: ReplicationState | null | undefined;
  /** RPO guard (FAILOVER_MAX_LAG_BYTES; 0: none). */
  maxLagBytes?: number;
}

const pausedReason = (p: PauseRecord) => `the set is paused (maintenance mode, by ${p.by}): no automatic action; resume it to fail over`;

/** How long to wait for the promoted address, only to record it in the history. */
const FOLLOW_MS = 5000;

/**
 * The master's redis-server died under a live wrapper: the wrapper knows at once, Sentinel only
 * after down-after-milliseconds. Ask a sentinel to fail over now (SENTINEL FAILOVER), unless the
 * sentinels no longer take this node for the master or a failover is already running. Whatever
 * happens, the caller then exits so Marathon replaces the task. Returns whether a sentinel
 * accepted.
 */
export async function crashFailover(inputs: CrashInputs): Promise<boolean> {
  const log = inputs.log.child({ step: 'crash-failover' });
  // The pause as ZooKeeper has it now; when ZooKeeper does not answer, as the node loop last read it.
  const paused = await inputs.dir.readPause(inputs.name).catch(() => inputs.lastPaused ?? null);
  const sentinels = await inputs.dir.listSentinels().catch(() => []);
  if (sentinels.length === 0) {
    log.warn({ reason: 'no sentinel registered, or ZooKeeper unavailable' }, 'redis-server died; exiting without a crash failover');
    return false;
  }
  const views = await askSentinels(
    sentinels.map((s) => s.address),
    inputs.name,
    { withReplicas: true, withTilt: true, timeoutMs: 500 },
  );
  const decision = decideCrashFailover(views, inputs.self, paused, { maxLagBytes: inputs.maxLagBytes ?? 0, last: inputs.last, views });
  if (decision.kind === 'leave') {
    log.info({ reason: decision.reason }, 'redis-server died; no crash failover');
    return false;
  }
  const steer = await steerFailover({ ...inputs, sentinels: sentinels.map((s) => s.address), views: decision.ask, log });
  const order = failoverAskOrder(decision.ask, steer?.ready ?? []);
  try {
    const asked = await askSentinelsToFailOver(order, inputs.name, log);
    if ('accepted' in asked) {
      log.warn(
        { sentinel: formatAddress(asked.accepted), msSinceDeath: Date.now() - inputs.diedAt, reason: "the master's redis-server died" },
        'asked Sentinel to fail over at once',
      );
      await recordPromotion(inputs, asked.accepted);
      return true;
    }
    log.warn({ reason: `no sentinel accepted SENTINEL FAILOVER (${asked.refusals.join('; ')})` }, 'redis-server died; exiting without a crash failover');
    return false;
  } finally {
    // Sentinel has promoted (or nobody was asked): the other replicas may be promoted again.
    await steer?.restore();
  }
}

/**
 * The order in which the crash failover asks the sentinels (pure): those that read the steered
 * priorities first (the others would still pick by their old view), and those in TILT last (one
 * accepts the command but acts only when TILT ends, up to 30 s later).
 *
 * | sentinels (asked order) | read the steering | in TILT | order   |
 * |-------------------------|-------------------|---------|---------|
 * | A, B, C                 | none              | none    | A, B, C |
 * | A, B, C                 | C                 | none    | C, A, B |
 * | A, B, C                 | none              | A       | B, C, A |
 * | A, B, C                 | A                 | A       | B, C, A |
 */
export function failoverAskOrder(ask: readonly SentinelView[], steered: readonly Address[]): Address[] {
  const inTilt = (v: SentinelView) => v.reachable && !!v.tilt;
  const read = (a: Address) => steered.some((r) => sameAddress(r, a));
  const acting = ask.filter((v) => !inTilt(v)).map((v) => v.sentinel);
  return [...acting.filter(read), ...acting.filter((a) => !read(a)), ...ask.filter(inTilt).map((v) => v.sentinel)];
}

export type CrashDecision = { readonly kind: 'ask'; readonly ask: readonly SentinelView[] } | { readonly kind: 'leave'; readonly reason: string };

/**
 * Whether the wrapper of a dead master's redis-server asks Sentinel to fail over now: only when a
 * majority of the sentinels still take this node for the master and no failover is running
 * anywhere (Sentinel's own would be disturbed; a second one could follow it). Asks the sentinels
 * that answer, one after another, until one accepts. Never while the set is paused (maintenance
 * mode): the operator decides, and Sentinel fails nothing over by itself then either. Never when
 * the replica Sentinel would promote is further behind than the RPO guard allows (rpoCheck).
 */
export function decideCrashFailover(views: readonly SentinelView[], self: Address, paused: PauseRecord | null = null, rpo?: RpoInputs): CrashDecision {
  if (paused) return { kind: 'leave', reason: pausedReason(paused) };
  const consensus = sentinelConsensus(views);
  if (consensus.failoverInProgress) return { kind: 'leave', reason: 'a failover is already running: leaving it to Sentinel' };
  if (!sameAddress(consensus.master, self)) {
    const named = consensus.master ? `the sentinels name ${formatAddress(consensus.master)}` : 'no majority of sentinels answers';
    return { kind: 'leave', reason: `${named}: they do not take this node for the master` };
  }
  const guard = rpo ? rpoCheck(rpo) : null;
  if (guard && !guard.ok) return { kind: 'leave', reason: `${guard.reason}: left to Sentinel (it has no byte limit)` };
  return { kind: 'ask', ask: views.filter((v) => v.reachable) };
}

/** Waits (bounded) for the sentinel to name the new master, then records the change. */
async function recordPromotion(inputs: CrashInputs, sentinel: Address): Promise<void> {
  const until = Date.now() + FOLLOW_MS;
  while (Date.now() < until) {
    const view = await askSentinel(sentinel, inputs.name, { timeoutMs: 500 });
    if (view.reachable && view.master && !sameAddress(view.master, inputs.self)) {
      const promotedAt = Date.now();
      const gap = await measureOffsetGap({
        promoted: view.master,
        from: inputs.self,
        lastOffset: inputs.last?.role === 'master' ? inputs.last.offset : undefined,
      });
      await recordMasterChange(
        inputs.dir,
        inputs.name,
        {
          from: inputs.self,
          to: view.master,
          cause: 'crash-failover',
          epoch: view.configEpoch,
          durationMs: promotedAt - inputs.diedAt,
          outageBasis: 'death-to-promotion',
          ...gap,
          by: recordedBy('redis-wrapper', inputs.self),
          reason: "the master's redis-server died",
        },
        inputs.log,
      );
      return;
    }
    await sleep(50);
  }
}
