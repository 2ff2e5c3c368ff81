import {
  ConfigError,
  Directory,
  formatAddress,
  launchServer,
  leaveOnExit,
  type NodeTags,
  RedisPool,
  registerTask,
  replicaPriorityOf,
  startWrapper,
  type Wrapper,
} from '@redis-zk/core';
import { decideMemory, setsDirective } from './memory';
import { redisConfigLines } from './redis-config';
import { startNodeApi } from './node/api/thread';
import { newCounters } from './node/counters';
import { promptLoop } from './node/prompts';
import { NodeLoop } from './node/role-loop';
import { electAtStart } from './start/elect-at-start';
import { holdDataDir } from './start/hold-data-dir';
import { registerElectedMaster } from './start/register-master';
import { onNodeStop } from './start/stop-hooks';

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
  const memory = memoryOf(w);
  if (!(await holdDataDir(w))) return 1;

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

  await dir.waitConnected(cfg.MASTER_WAIT_TIMEOUT_MS > 0 ? cfg.MASTER_WAIT_TIMEOUT_MS : 2 ** 31 - 1);
  const election = await electAtStart(w, tags);
  if (!election) {
    await api.close();
    return 1;
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
      replicaPriority: election.wiped ? 0 : replicaPriorityOf(tags),
    }),
    serves: 'redis',
    niceBelow: cfg.REDIS_NICE,
  });
  if (outcome.kind === 'become-master') await registerElectedMaster({ dir, name, self: announce, reason: outcome.reason, log });
  const registration = await registerTask(w, dir.nodePath(name, Directory.memberId(announce)), 'node');
  await lock?.release().catch(() => undefined); // ephemeral: it also goes with the session

  const prompts = promptLoop({ dir, name, loop: () => loop, log });
  loop = new NodeLoop({
    dir,
    name,
    self: announce,
    local: bind,
    dataId: election.dataId,
    tags,
    wiped: election.wiped,
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
  onNodeStop(w, { loop, prompts, pool, api, counters });
  leaveOnExit(w, registration);
  return task.run();
}

/** maxmemory and its policy (from the env, the base config, the task's memory); invalid is fatal. */
function memoryOf(w: Wrapper<'redis-wrapper'>) {
  const { cfg, log } = w;
  const memory = decideMemory({
    maxmemory: cfg.REDIS_MAXMEMORY,
    policy: cfg.REDIS_MAXMEMORY_POLICY,
    taskMemMb: cfg.MARATHON_APP_RESOURCE_MEM,
    base: { maxmemory: setsDirective(w.baseConfig, 'maxmemory'), policy: setsDirective(w.baseConfig, 'maxmemory-policy') },
  });
  if (!memory.ok) throw new ConfigError([memory.problem]);
  log.info({ maxmemory: memory.maxmemoryBytes, reason: memory.reason }, 'memory limit chosen');
  return memory;
}
