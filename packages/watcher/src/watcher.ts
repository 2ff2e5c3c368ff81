import path from 'node:path';
import { configureProgram, createLogger, openDirectory, RedisPool } from '@redis-zk/core';
import { SentinelCleanup } from './cleanup/sentinel-cleanup';
import { followFailovers } from './follow/follow-failovers';
import { MasterMap, SentinelList } from './follow/zk-views';
import { HistoryCounts, registerHistoryMetrics } from './history-metrics';
import { ApiThread } from './http/api-thread';
import { createMetrics, registerSetGauges } from './metrics';
import { watcherView } from './watcher-view';
import { trackFreshness } from './zk-freshness';

/**
 * watcher: follows Sentinel into ZooKeeper (events at once, reconciles as a safety net) and
 * serves discovery over HTTP. It never exits because of ZooKeeper or Sentinel trouble: /health
 * says what is wrong instead.
 */
export async function runWatcher(): Promise<number> {
  const cfg = configureProgram('watcher');
  const log = createLogger('watcher', cfg.LOG_LEVEL);
  const metrics = createMetrics();
  const dir = openDirectory(cfg, log);
  // One long-lived connection per sentinel and per redis node for every periodic question (the
  // reconcile, the sentinel cleanup, /status): with many sets, a connection per question was
  // hundreds opened and closed a second (#27).
  const pool = new RedisPool({ timeoutMs: 1000 });
  const sentinels = new SentinelList(dir, log, cfg.ZK_SESSION_TIMEOUT_MS);
  const masters = new MasterMap(dir, log);
  const following = followFailovers({ cfg, dir, sentinels: () => sentinels.current, metrics, pool, log });
  const cleanup = new SentinelCleanup({
    sentinels: () => sentinels.current,
    masters: () => masters.current,
    paused: async (name) => (await dir.readPause(name)) !== null,
    pool,
    graceMs: cfg.SENTINEL_CLEANUP_GRACE_MS,
    log,
  });
  sentinels.on('change', () => {
    metrics.sentinelsKnown.set(sentinels.current.length);
    following.sentinelsChanged();
  });
  const zk = trackFreshness({ dir, sentinels, masters, metrics, log, reconnected: () => following.reconnected() });
  const view = watcherView({ dir, sentinels, masters, following, freshness: zk.freshness, staleSince: zk.staleSince, pool });
  registerSetGauges(metrics.registry, () => view.status());
  registerHistoryMetrics(metrics.registry, { counts: new HistoryCounts(dir, () => [...masters.current.keys()]), staleSeconds: zk.staleSeconds });

  const api = await ApiThread.start({
    entry: path.join(__dirname, 'api-thread.js'),
    host: cfg.HTTP_HOST,
    port: cfg.PORT0,
    logLevel: cfg.LOG_LEVEL,
    view,
    metrics,
    log,
  });
  log.info({ host: cfg.HTTP_HOST, port: cfg.PORT0 }, 'HTTP API listening');
  // What the API serves follows every change at once; the timer only catches what has no event.
  const publish = () => api.publish();
  for (const source of [sentinels, masters]) source.on('change', publish);
  for (const event of ['subscribed', 'lost']) following.subscriber.on(event, publish);
  dir.onConnection(publish);
  const publishing = setInterval(publish, 1000);
  sentinels.start();
  masters.start();
  following.start();
  cleanup.start();

  const stopped = new Promise<null>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve(null));
  });
  const apiFailure = await Promise.race([stopped, api.failed]);
  if (apiFailure) log.error({ err: apiFailure, reason: 'HTTP API thread stopped' }, 'stopping');
  else log.info({ reason: 'stop requested' }, 'stopping');
  clearInterval(publishing);
  cleanup.stop();
  await following.stop();
  sentinels.stop();
  masters.stop();
  await api.close();
  pool.close();
  dir.close();
  return apiFailure ? 1 : 0;
}
