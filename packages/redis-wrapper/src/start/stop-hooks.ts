import type { RedisPool, Wrapper } from '@redis-zk/core';
import type { NodeApi } from '../node/api/thread';
import type { NodeCounters } from '../node/counters';
import { crashFailover } from '../node/crash-failover';
import type { NodeLoop } from '../node/role-loop';
import { handOverOnStop } from './hand-over-on-stop';

/**
 * How a running node ends. A planned stop of the master hands the role over first (Marathon's
 * kill grace period covers it). A master's redis-server that dies under a live wrapper asks
 * Sentinel to fail over now, also when it died during a planned stop's handover (which then gave
 * up); one the wrapper stopped itself asks nothing.
 */
export function onNodeStop(
  w: Wrapper<'redis-wrapper'>,
  o: { loop: NodeLoop; prompts: { stop(): void }; pool: RedisPool; api: NodeApi; counters: NodeCounters },
): void {
  const { cfg, dir, bind, announce, log, task } = w;
  const { loop, prompts } = o;
  const name = cfg.MASTER_NAME;
  task.onBeforeStop(async () => {
    await loop.stop();
    // A failover Sentinel started from this master (within its failover-timeout): the handover pauses writes first.
    // One that starts during the handover still pauses writes at its +try-failover: the events are followed until the end.
    const sentinelFailingOver = loop.failoverFromHereWithin(cfg.SENTINEL_FAILOVER_TIMEOUT_MS);
    await handOverOnStop({ dir, name, local: bind, announce, timeoutMs: cfg.SWITCHOVER_TIMEOUT_MS, sentinelFailingOver, log });
    prompts.stop();
  });
  task.onExit(async () => {
    // Not waited for: the server is gone, so a tick in flight can change nothing, and the crash failover is urgent.
    void loop.stop();
    prompts.stop();
    if (!task.diedOnItsOwn || loop.lastRole !== 'master') return;
    const view = loop.view;
    const asked = await crashFailover({
      dir,
      name,
      self: announce,
      log,
      diedAt: Date.now(),
      lastPaused: view?.paused,
      last: view?.local ?? view?.slowLocal?.state,
      maxLagBytes: cfg.FAILOVER_MAX_LAG_BYTES,
    });
    if (asked) o.counters.crashFailovers += 1;
  });
  task.onExit(async () => {
    o.pool.close();
    await o.api.close();
  });
}
