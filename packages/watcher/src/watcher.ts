import os from 'node:os';
import path from 'node:path';
import {
  type Address,
  askSentinel,
  configureProgram,
  createLogger,
  formatAddress,
  gatherStatus,
  openDirectory,
  RedisPool,
  SingleFlight,
  type SwitchEvent,
  SwitchListeners,
  measureOffsetGap,
} from '@redis-zk/core';
import { SentinelCleanup } from './cleanup/sentinel-cleanup';
import { MasterWriter } from './follow/master-writer';
import { Reconciler } from './follow/reconciler';
import { FollowedSentinel } from './follow/followed-sentinel';
import { SwitchFollower } from './follow/switch-follower';
import { MasterMap, SentinelList } from './follow/zk-views';
import { ApiThread } from './http/api-thread';
import { createMetrics, registerSetGauges } from './metrics';
import type { Freshness, Health, WatcherView } from './view';
import { FailoverClock } from './follow/failover-clock';
import { HistoryRecorder } from './follow/history-recorder';
import { historyOf } from './history-view';
import { HistoryCounts, registerHistoryMetrics } from './history-metrics';

/** How long a /status or /history answer is served again before it is gathered anew. */
const STATUS_TTL_MS = 1000;

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
  const by = `watcher ${os.hostname()}:${cfg.PORT0}`;
  const history = new HistoryRecorder(dir, log);
  const clock = new FailoverClock();
  const writer = new MasterWriter(dir, metrics, log, (name, from, to, epoch, reason) => {
    if (epoch > 0) {
      void history.record(name, {
        at: Date.now(),
        from: from && formatAddress(from),
        to: formatAddress(to),
        cause: 'sentinel-failover',
        epoch,
        by,
        reason: `${reason} (found by a reconcile)`,
      });
    }
  });
  const subscriber = new FollowedSentinel(() => sentinels.current, log);
  const listeners = new SwitchListeners(log);
  const reconciler = new Reconciler({
    dir,
    sentinels: () => sentinels.current,
    writer,
    password: cfg.REDIS_PASSWORD,
    pool,
    intervalMs: cfg.RECONCILE_INTERVAL_MS,
    log,
  });
  const cleanup = new SentinelCleanup({
    sentinels: () => sentinels.current,
    masters: () => masters.current,
    paused: async (name) => (await dir.readPause(name)) !== null,
    password: cfg.REDIS_PASSWORD,
    pool,
    graceMs: cfg.SENTINEL_CLEANUP_GRACE_MS,
    log,
  });

  const switches = new SwitchFollower({
    writer,
    history,
    clock,
    metrics,
    log,
    sentinels: () => sentinels.current,
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
  sentinels.on('change', () => {
    metrics.sentinelsKnown.set(sentinels.current.length);
    listeners.update(sentinels.current);
    reconciler.trigger('sentinel list changed');
  });
  let disconnectedAt: number | null = Date.now();
  // Stale from ZooKeeper's loss until the views are read again: they keep serving meanwhile.
  let staleSince: string | null = null;
  dir.onConnection((usable, change) => {
    if (change) return; // a new session also reports usable: handled once
    metrics.zkConnected.set(usable ? 1 : 0);
    if (!usable) {
      disconnectedAt ??= Date.now();
      if (staleSince === null && sentinels.loaded) {
        staleSince = new Date().toISOString();
        log.warn({ reason: 'ZooKeeper connection lost' }, 'serving the last known sentinels and masters (stale)');
      }
      return;
    }
    disconnectedAt = null;
    switches.replay();
    history.retry();
    reconciler.trigger('ZooKeeper reconnected');
  });
  metrics.zkConnected.set(0);

  const health = (): Health => {
    const reasons: string[] = [];
    if (!dir.connected) reasons.push('not connected to ZooKeeper');
    if (!subscriber.following) reasons.push(sentinels.current.length === 0 ? 'no sentinel registered in ZooKeeper' : 'not following any sentinel');
    return { ok: reasons.length === 0, zookeeper: dir.connected, following: subscriber.following, reasons };
  };
  const refreshed = () => {
    if (staleSince === null || !dir.connected) return;
    log.info({ staleSince }, 'view read from ZooKeeper again (current)');
    staleSince = null;
  };
  sentinels.on('change', refreshed);
  masters.on('change', refreshed);
  const freshness = (): Freshness => ({ sentinelsLoaded: sentinels.loaded, mastersLoaded: masters.loaded, staleSince });

  // /status and /history ask every sentinel, node and ZooKeeper: at most once per STATUS_TTL_MS whatever the request rate.
  const statusRead = new SingleFlight(
    () =>
      gatherStatus({
        masters: masters.current,
        sentinels: sentinels.current,
        lastFailover: writer.lastFailover,
        nodes: async (name) => (await dir.listNodes(name)).map((n) => n.address),
        history: (name) => dir.readHistory(name),
        staleSince,
        records: (name) => dir.readMemberRecords(name),
        pause: (name) => dir.readPause(name),
        pool,
      }),
    STATUS_TTL_MS,
  );
  const historyRead = new SingleFlight((name: string) => historyOf(dir, name, masters.current), STATUS_TTL_MS);
  const view: WatcherView = {
    sentinels: () => sentinels.current,
    // ZooKeeper's masters, with any failover seen while ZooKeeper was away (not written yet) on top.
    masters: () =>
      new Map([
        ...[...masters.current].flatMap(([name, reg]): Array<[string, Address]> => (reg.address ? [[name, reg.address]] : [])),
        ...switches.unwritten(),
      ]),
    health,
    freshness,
    liveness: () => ({ ok: true, reason: 'main thread' }),
    status: () => statusRead.get('all'),
    history: (name) => historyRead.get(name),
  };

  registerSetGauges(metrics.registry, () => view.status());
  registerHistoryMetrics(metrics.registry, {
    counts: new HistoryCounts(dir, () => [...masters.current.keys()]),
    staleSeconds: () => (disconnectedAt === null ? 0 : (Date.now() - disconnectedAt) / 1000),
  });
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
  for (const event of ['subscribed', 'lost']) subscriber.on(event, publish);
  dir.onConnection(publish);
  const publishing = setInterval(publish, 1000);
  sentinels.start();
  masters.start();
  subscriber.start();
  reconciler.start();
  cleanup.start();

  const stopped = new Promise<null>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve(null));
  });
  const apiFailure = await Promise.race([stopped, api.failed]);
  if (apiFailure) log.error({ err: apiFailure, reason: 'HTTP API thread stopped' }, 'stopping');
  else log.info({ reason: 'stop requested' }, 'stopping');
  clearInterval(publishing);
  cleanup.stop();
  reconciler.stop();
  await subscriber.stop();
  listeners.stop();
  sentinels.stop();
  masters.stop();
  await api.close();
  pool.close();
  dir.close();
  return apiFailure ? 1 : 0;
}
