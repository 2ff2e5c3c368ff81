import {
  ConfigError,
  type createLogger,
  Directory,
  formatAddress,
  launchServer,
  leaveOnExit,
  RedisPool,
  type NodeTags,
  registerTask,
  replicaPriorityOf,
  sleep,
  startWrapper,
  wipedFrom,
} from '@redis-zk/core';
import { type Elected, elect, ElectionGaveUp } from './election/elect';
import { publishTags } from './election/publish-tags';
import { memberDataId, persistedBytes } from './data-dir';
import { markDataDirStopping, waitForDataDir } from './data-lock';
import { decideMemory, setsDirective } from './memory';
import { redisConfigLines } from './redis-config';
import { switchOver } from './switchover';
import { startNodeApi } from './node/api/thread';
import { newCounters } from './node/counters';
import { crashFailover } from './node/crash-failover';
import { promptLoop } from './node/prompts';
import { NodeLoop } from './node/role-loop';

/**
 * redis-wrapper: elect (under the ZooKeeper lock), start redis-server as master or replica,
 * register, then keep the node's role in step with the set (the node loop) and supervise.
 * ZooKeeper trouble after start never stops redis.
 */
export async function runRedisWrapper(): Promise<number> {
  const w = await startWrapper('redis-wrapper', {
    server: 'redis-server',
    baseConfig: (cfg) => ({ file: cfg.REDIS_CONF, variable: 'REDIS_CONF' }),
    context: (cfg, announce) => ({ set: cfg.MASTER_NAME, node: formatAddress(announce) }),
  });
  const { cfg, bind, announce, dataDir, log, dir, task } = w;
  const name = cfg.MASTER_NAME;
  const tags: NodeTags = { neverPromote: cfg.NEVER_PROMOTE, priority: cfg.FAILOVER_PRIORITY };
  log.info({ ...tags, replicaPriority: replicaPriorityOf(tags), reason: 'NEVER_PROMOTE, FAILOVER_PRIORITY' }, 'failover tags');
  const memory = decideMemory({
    maxmemory: cfg.REDIS_MAXMEMORY,
    policy: cfg.REDIS_MAXMEMORY_POLICY,
    taskMemMb: cfg.MARATHON_APP_RESOURCE_MEM,
    base: { maxmemory: setsDirective(w.baseConfig, 'maxmemory'), policy: setsDirective(w.baseConfig, 'maxmemory-policy') },
  });
  if (!memory.ok) throw new ConfigError([memory.problem]);
  log.info({ maxmemory: memory.maxmemoryBytes, reason: memory.reason }, 'memory limit chosen');

  // Before anything reads or writes the data: one redis-server per data directory.
  // The previous task on this agent may still be stopping (an upgrade): wait for it, bounded;
  // one that runs on and is not stopping: exit at once, so Marathon places this task elsewhere.
  const dataLock = await waitForDataDir(dataDir, {
    timeoutMs: cfg.DATA_LOCK_WAIT_MS,
    onWaiting: (w) =>
      log.warn(
        {
          dataDir,
          lockFile: w.file,
          holder: w.holder,
          waitedMs: w.waitedMs,
          timeoutMs: w.timeoutMs,
          reason: 'another process holds the lock and is stopping (a previous task on this agent in its kill grace period)',
        },
        'waiting for the data directory lock',
      ),
  });
  if (!dataLock.held && dataLock.fatal) {
    log.error({ dataDir, reason: dataLock.reason }, 'data directory in use; exiting so the task is restarted after backoff');
    return 1;
  }
  log[dataLock.held ? 'info' : 'warn']({ dataDir, reason: dataLock.reason }, dataLock.held ? 'data directory locked' : 'data directory not locked');
  if (dataLock.held && dataLock.holder) {
    // Registered first, so it runs first: on SIGTERM, before the handover, a task Marathon starts
    // beside this one on the directory learns that it may wait. Also when the wrapper ends otherwise.
    const holder = dataLock.holder;
    let marked = false;
    const markStopping = (why: string) => {
      if (marked) return;
      marked = true;
      try {
        markDataDirStopping(dataDir, holder);
        log.info({ dataDir, reason: why }, 'data directory marked stopping');
      } catch (err) {
        log.warn({ dataDir, err: String(err) }, 'could not mark the data directory stopping');
      }
    };
    task.onBeforeStop(async () => markStopping('stop requested: a task waiting for this directory may wait for it'));
    task.onExit(() => markStopping('the server exited'));
  }

  const pool = new RedisPool({ timeoutMs: 1000 });
  const counters = newCounters();
  let loop: NodeLoop | undefined;
  // Up before the election, so that a port in use fails the start, and readiness says "starting".
  const api = await startNodeApi({
    listen: { host: bind.host, port: cfg.PORT1 },
    view: () => loop?.view,
    counters,
    log,
    logLevel: cfg.LOG_LEVEL,
    maxViewAgeMs: Math.max(3000, 3 * cfg.ROLE_CHECK_INTERVAL_MS),
  });
  // Never stops redis: Marathon's health check (the API's /health) then restarts the task, handing the role over first.
  void api.failed.then((err) => log.error({ err, reason: 'the node API thread stopped' }, 'node API down'));

  const timeoutMs = cfg.MASTER_WAIT_TIMEOUT_MS;
  await dir.waitConnected(timeoutMs > 0 ? timeoutMs : 2 ** 31 - 1);
  const [selfDataBytes, selfDataId] = await Promise.all([persistedBytes(dataDir), memberDataId(dataDir)]);
  // The set's member records as the node starts: its tags published, and whether it comes back wiped (empty guard).
  const records = await dir.readMemberRecords(name).catch((err: unknown) => {
    log.warn({ err: String(err) }, 'could not read the member records at start: no empty guard, tags published by the node loop');
    return [];
  });
  await publishTags(dir, name, { dataId: selfDataId, tags, records }, log);
  const wiped = wipedFrom(records, announce, selfDataId, selfDataBytes);
  if (wiped.wiped) log.warn({ reason: wiped.reason }, 'empty guard: never master nor sync source while a node with the data lives');
  let election: Elected;
  try {
    election = await elect({
      dir,
      name,
      self: announce,
      selfDataBytes,
      selfDataId,
      password: cfg.REDIS_PASSWORD,
      timeoutMs,
      dataWaitMs: cfg.ELECTION_DATA_WAIT_MS,
      neverPromote: tags.neverPromote,
      wiped: wiped.wiped,
      log,
    });
  } catch (err) {
    if (err instanceof ElectionGaveUp) {
      log.error({ reason: err.message }, 'no safe election outcome; exiting so the task is restarted');
      await api.close();
      return 1;
    }
    throw err;
  }
  const { outcome, lock } = election;

  await launchServer(w, {
    bin: cfg.REDIS_SERVER_BIN,
    fileName: 'redis.generated.conf',
    lines: redisConfigLines({
      bind,
      announce,
      dataDir,
      password: cfg.REDIS_PASSWORD,
      tls: cfg.security.tls,
      replicaOf: outcome.kind === 'replicate' ? outcome.master : undefined,
      memory: memory.lines,
      users: cfg.users,
      // Held at 0 while wiped, until the first full sync (node/empty-guard.ts).
      replicaPriority: wiped.wiped ? 0 : replicaPriorityOf(tags),
    }),
    password: cfg.REDIS_PASSWORD,
    niceBelow: cfg.REDIS_NICE,
  });

  // An elected master starts a new era: epoch 0, so the sentinels' next failover always wins.
  if (outcome.kind === 'become-master') {
    const previous = await dir.readMaster(name).catch(() => null);
    await registerMaster(() => dir.writeMaster(name, announce, { epoch: 0 }), log);
    void dir
      .recordChange(name, {
        at: Date.now(),
        from: previous?.raw ?? null,
        to: formatAddress(announce),
        cause: 'election',
        epoch: 0,
        by: `redis-wrapper ${formatAddress(announce)}`,
        reason: outcome.reason,
      })
      .catch((err) => log.warn({ err: String(err) }, 'could not record the election in the history'));
  }
  const registration = await registerTask(w, dir.nodePath(name, Directory.memberId(announce)), 'node');
  await lock?.release().catch(() => undefined); // ephemeral: it also goes with the session

  const prompts = promptLoop({ dir, name, loop: () => loop, log });
  loop = new NodeLoop({
    dir,
    name,
    self: announce,
    local: bind,
    password: cfg.REDIS_PASSWORD,
    dataId: selfDataId,
    tags,
    wiped: wiped.wiped,
    maxLagBytes: cfg.FAILOVER_MAX_LAG_BYTES,
    pool,
    log,
    counters,
    api: { host: announce.host, port: cfg.PORT1 },
    task: { id: process.env.MESOS_TASK_ID || undefined, agent: process.env.HOST || undefined },
    intervalMs: cfg.ROLE_CHECK_INTERVAL_MS,
    failoverTimeoutMs: cfg.SENTINEL_FAILOVER_TIMEOUT_MS,
    onView: (view) => {
      api.publish(view);
      prompts.onView(view);
    },
  });
  loop.start();
  const running = loop;

  // A planned stop of the master hands the role over first (Marathon's kill grace period covers it).
  task.onBeforeStop(async () => {
    await running.stop();
    // A failover Sentinel started from this master (within its failover-timeout): the handover pauses writes first.
    // One that starts during the handover still pauses writes at its +try-failover: the events are followed until the end.
    const sentinelFailingOver = running.failoverFromHereWithin(cfg.SENTINEL_FAILOVER_TIMEOUT_MS);
    await switchOver({ dir, name, local: bind, announce, timeoutMs: cfg.SWITCHOVER_TIMEOUT_MS, sentinelFailingOver, log });
    prompts.stop();
  });
  // A master's redis-server that dies under a live wrapper: Sentinel is asked to fail over now,
  // also when it died during a planned stop's handover (which then gave up). One the wrapper
  // stopped itself asks nothing.
  task.onExit(async () => {
    // Not waited for: the server is gone, so a tick in flight can change nothing, and the crash failover is urgent.
    void running.stop();
    prompts.stop();
    if (!task.diedOnItsOwn || running.lastRole !== 'master') return;
    const view = running.view;
    const last = view?.local ?? view?.slowLocal?.state;
    const asked = await crashFailover({
      dir,
      name,
      self: announce,
      log,
      diedAt: Date.now(),
      lastPaused: view?.paused,
      last,
      maxLagBytes: cfg.FAILOVER_MAX_LAG_BYTES,
    });
    if (asked) counters.crashFailovers += 1;
  });
  task.onExit(async () => {
    pool.close();
    await api.close();
  });
  leaveOnExit(w, registration);
  return task.run();
}

/** The master's registration must land: retried while ZooKeeper is briefly away. */
async function registerMaster(write: () => Promise<unknown>, log: ReturnType<typeof createLogger>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await write();
      log.info({ reason: 'elected master' }, 'registered as master in ZooKeeper');
      return;
    } catch (err) {
      if (attempt >= 30) throw err;
      log.warn({ err: String(err), attempt }, 'registering master failed; retrying');
      await sleep(500);
    }
  }
}
