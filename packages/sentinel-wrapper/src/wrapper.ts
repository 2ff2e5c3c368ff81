import { type Address, Directory, formatAddress, launchServer, leaveOnExit, PAUSED_QUORUM, RedisPool, registerTask, startWrapper } from '@redis-zk/core';
import path from 'node:path';
import { PeerPruner } from './forget-peers';
import { MasterFollower } from './follow-masters';
import { planSet } from './plan';
import { type MonitorSettings, monitorLines, sentinelConfigLines } from './sentinel-config';
import { snapshotSet } from './set-snapshot';
import { waitForMasters } from './wait-for-masters';

/** The config file Sentinel runs with (in DATA_DIR), which it rewrites with its state. */
const CONFIG_FILE = 'sentinel.generated.conf';

/**
 * sentinel-wrapper: wait for ZooKeeper to name a master, start redis-sentinel monitoring every
 * (wanted) set, register, then keep the monitored sets in step with ZooKeeper.
 */
export async function runSentinelWrapper(): Promise<number> {
  const w = await startWrapper('sentinel-wrapper', {
    server: 'redis-sentinel',
    baseConfig: (cfg) => ({ file: cfg.SENTINEL_CONF, variable: 'SENTINEL_CONF' }),
    context: (_cfg, announce) => ({ sentinel: formatAddress(announce) }),
  });
  const { cfg, bind, announce, dataDir, log, dir, task } = w;
  const names = cfg.MASTER_NAMES;
  const wanted = (name: string) => !names || names.includes(name);
  const settings: MonitorSettings = {
    quorum: cfg.SENTINEL_QUORUM,
    downAfterMs: cfg.SENTINEL_DOWN_AFTER_MS,
    failoverTimeoutMs: cfg.SENTINEL_FAILOVER_TIMEOUT_MS,
    parallelSyncs: cfg.SENTINEL_PARALLEL_SYNCS,
    password: cfg.REDIS_PASSWORD,
    auth: cfg.users.sentinel,
  };

  if (cfg.SENTINEL_DOWN_AFTER_MS < 2000) {
    log.warn(
      { SENTINEL_DOWN_AFTER_MS: cfg.SENTINEL_DOWN_AFTER_MS, reason: 'Sentinel 7.0 may mark a just-promoted master down and fail over again' },
      'SENTINEL_DOWN_AFTER_MS below 2000 is risky',
    );
  }
  const registered = await waitForMasters(dir, wanted, cfg.MASTER_WAIT_TIMEOUT_MS, log, cfg.REDIS_PASSWORD);
  if (!registered) {
    const what = `a master under ${dir.paths.masters}${names ? ` for MASTER_NAMES=${names.join(',')}` : ''}`;
    const zk = dir.connected ? 'ZooKeeper answered' : `ZooKeeper at ${cfg.ZK_HOSTS} did not answer`;
    process.stderr.write(`fatal: waited ${cfg.MASTER_WAIT_TIMEOUT_MS} ms (MASTER_WAIT_TIMEOUT_MS) for ${what}; ${zk}\n`);
    return 1;
  }

  // One long-lived connection per server for the start's and the follower's and the pruner's
  // questions: with many sets, a connection per question was hundreds opened and closed a second (#27).
  const pool = new RedisPool({ timeoutMs: 1000 });
  // Each set's starting address: ZooKeeper's, unless it is stale and other sentinels know better.
  const sets = new Map<string, Address>();
  // A set paused (maintenance mode) is monitored from the start with PAUSED_QUORUM: this Sentinel never fails it over by itself.
  const paused = new Map<string, Address>();
  // Every set at once: one after the other, 100 sets took half a minute before Sentinel started (#27).
  const decided = await Promise.all(
    [...registered].map(async ([name, found]) => {
      // ZooKeeper gone quiet since waitForMasters read it (nemesis seed 65083130: a hang here ended
      // the program): start on the master just found; the follower corrects it once ZooKeeper answers.
      const snapshot = await snapshotSet(dir, name, announce, null, cfg.REDIS_PASSWORD, pool).catch((err: unknown) => {
        log.warn({ set: name, err: String(err) }, 'could not read the set again; monitoring the master just found');
        return null;
      });
      const action = snapshot ? planSet(snapshot) : null;
      // Unknown (ZooKeeper away) counts as paused: the follower lowers the quorum once it reads the set is not.
      const isPaused = await dir.readPause(name).then(
        (p) => p !== null,
        () => true,
      );
      return { name, found, action, isPaused };
    }),
  );
  for (const { name, found, action, isPaused } of decided) {
    // Junk in masters/<name>: waitForMasters found the set's only live master among its nodes.
    const address = action?.kind === 'monitor' ? action.address : found;
    const reason = !action
      ? `ZooKeeper did not answer again; ${formatAddress(found)} is the master just read`
      : action.kind === 'monitor'
        ? action.reason
        : `ZooKeeper holds no valid address; ${formatAddress(found)} is the only live master among the set's nodes`;
    (isPaused ? paused : sets).set(name, address);
    log.info(
      { set: name, action: 'monitor', master: formatAddress(address), reason, ...(isPaused ? { quorum: PAUSED_QUORUM, paused: true } : {}) },
      'initial monitoring decision',
    );
  }

  await launchServer(w, {
    bin: cfg.REDIS_SENTINEL_BIN,
    fileName: CONFIG_FILE,
    lines: [
      ...sentinelConfigLines({
        bind,
        announce,
        dataDir,
        sets,
        settings,
        access: { password: cfg.security.sentinelPassword, tls: cfg.security.tls, users: cfg.users },
      }),
      ...[...paused].flatMap(([name, master]) => monitorLines(name, master, { ...settings, quorum: PAUSED_QUORUM })),
    ],
    password: cfg.security.sentinelPassword,
  });
  const registration = await registerTask(w, dir.sentinelPath(Directory.memberId(announce)), 'sentinel');
  const follower = new MasterFollower({ dir, self: announce, local: bind, settings, wanted, log, pool });
  follower.start();
  const pruner = new PeerPruner({
    dir,
    local: bind,
    configFile: path.join(dataDir, CONFIG_FILE),
    task,
    graceMs: cfg.SENTINEL_CLEANUP_GRACE_MS,
    log,
    sets: async () => (await dir.listMasterNames()).filter(wanted),
    pool,
  });
  pruner.start();

  // Leave the directory before Sentinel stops, so nobody is handed a sentinel that is going away.
  task.onBeforeStop(() => registration.stop());
  task.onExit(() => follower.stop());
  task.onExit(() => pruner.stop());
  task.onExit(() => pool.close());
  leaveOnExit(w, registration);
  return task.run();
}
