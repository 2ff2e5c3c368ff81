import os from 'node:os';
import {
  type Address,
  askSentinel,
  type configureProgram,
  type Directory,
  type Logger,
  measureOffsetGap,
  type RedisPool,
  type SwitchEvent,
  SwitchListeners,
  historyEvent,
} from '@redis-zk/core';
import type { Metrics } from '../metrics';
import { FailoverClock } from './failover-clock';
import { FollowedSentinel } from './followed-sentinel';
import { HistoryRecorder } from './history-recorder';
import { MasterWriter } from './master-writer';
import { Reconciler } from './reconciler';
import { SwitchFollower } from './switch-follower';

/** The watcher's following of Sentinel into ZooKeeper: its parts, started and stopped together. */
export interface Following {
  writer: MasterWriter;
  switches: SwitchFollower;
  subscriber: FollowedSentinel;
  history: HistoryRecorder;
  reconciler: Reconciler;
  /** The sentinel list changed: listen to the new one, and reconcile. */
  sentinelsChanged(): void;
  /** ZooKeeper is usable again: replay what it missed, then reconcile. */
  reconnected(): void;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Sentinel's failovers into ZooKeeper: +switch-master from the followed sentinel and from every
 * sentinel's listener (the first to arrive is written; SwitchFollower drops the repeat), the
 * reconcile as the safety net, each change of master in the history.
 */
export function followFailovers(o: {
  cfg: ReturnType<typeof configureProgram<'watcher'>>;
  dir: Directory;
  sentinels: () => readonly Address[];
  metrics: Metrics;
  pool: RedisPool;
  log: Logger;
}): Following {
  const { cfg, dir, sentinels, metrics, pool, log } = o;
  const by = `watcher ${os.hostname()}:${cfg.PORT0}`;
  const history = new HistoryRecorder(dir, log);
  const clock = new FailoverClock();
  const writer = new MasterWriter(dir, metrics, log, (name, from, to, epoch, reason) => {
    if (epoch > 0) {
      void history.record(name, historyEvent({ from, to, cause: 'sentinel-failover', epoch, by, reason: `${reason} (found by a reconcile)` }));
    }
  });
  const subscriber = new FollowedSentinel(sentinels, log);
  const listeners = new SwitchListeners(log);
  const reconciler = new Reconciler({ dir, sentinels, writer, pool, intervalMs: cfg.RECONCILE_INTERVAL_MS, log });
  const switches = new SwitchFollower({
    writer,
    history,
    clock,
    metrics,
    log,
    sentinels,
    ask: (sentinel, name) => askSentinel(sentinel, name, { timeoutMs: 500 }),
    // The old master's last offset as its member record last published it (the watcher saw no INFO of it).
    measure: (name, from, to) => measureOffsetGap({ promoted: to, from, records: () => dir.readMemberRecords(name) }),
    by,
    unconfirmed: (reason) => reconciler.trigger(reason),
  });
  const onSwitch = (event: SwitchEvent) => switches.onSwitch(event);
  listeners.on('start', (start) => clock.note(start));
  subscriber.on('switch', onSwitch);
  listeners.on('switch', onSwitch);
  subscriber.on('subscribed', () => reconciler.trigger('subscribed to a sentinel'));
  return {
    writer,
    switches,
    subscriber,
    history,
    reconciler,
    sentinelsChanged: () => {
      listeners.update(sentinels());
      reconciler.trigger('sentinel list changed');
    },
    reconnected: () => {
      switches.replay();
      history.retry();
      reconciler.trigger('ZooKeeper reconnected');
    },
    start: () => {
      subscriber.start();
      reconciler.start();
    },
    stop: async () => {
      reconciler.stop();
      await subscriber.stop();
      listeners.stop();
    },
  };
}
