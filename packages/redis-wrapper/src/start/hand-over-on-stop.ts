import { type Address, type Directory, handOver, type Logger, recordedBy } from '@redis-zk/core';

export interface StopHandoverInputs {
  dir: Directory;
  name: string;
  /** Where the local redis-server listens, and what it announces. */
  local: Address;
  announce: Address;
  timeoutMs: number;
  /** A sentinel reported starting a failover from this master (its `+try-failover`). */
  sentinelFailingOver: boolean;
  log: Logger;
}

/**
 * A planned stop of the master (SIGTERM): hand the role over first, with the procedure
 * `redis-zk switchover` uses (core's handOver: writes flowing until Sentinel could fail over,
 * then pause, catch up, SENTINEL FAILOVER, follow, unpause). Bounded by `timeoutMs` (0 = none);
 * whatever fails, the stop goes on. A replica's stop asks nothing.
 */
export async function handOverOnStop(inputs: StopHandoverInputs): Promise<void> {
  if (inputs.timeoutMs === 0) return;
  const outcome = await handOver({
    dir: inputs.dir,
    name: inputs.name,
    master: inputs.local,
    announce: inputs.announce,
    timeoutMs: inputs.timeoutMs,
    sentinelFailingOver: inputs.sentinelFailingOver,
    // An operator's switchover under way may move the master off this node anyway: wait for it.
    waitForTurn: true,
    log: inputs.log,
    by: recordedBy('redis-wrapper', inputs.announce),
    reason: 'planned stop of the master',
  });
  if (!outcome.ok && !outcome.notMaster) {
    inputs.log.warn({ step: 'switchover', reason: outcome.reason, timeoutMs: inputs.timeoutMs }, 'stopping without switchover');
  }
}
