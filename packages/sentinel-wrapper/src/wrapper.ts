import { Directory, formatAddress, launchServer, leaveOnExit, PAUSED_QUORUM, RedisPool, registerTask, startWrapper } from '@redis-zk/core';
import path from 'node:path';
import { PeerPruner } from './forget-peers';
import { MasterFollower } from './follow-masters';
import { setInfoPeriod } from './info-period';
import { decideInitialMonitoring } from './initial-monitoring';
import { type MonitorSettings, monitorLines, sentinelConfigLines } from './sentinel-config';
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
    const reason = 'Sentinel 7.0 may mark a just-promoted master down and fail over again';
    log.warn({ SENTINEL_DOWN_AFTER_MS: cfg.SENTINEL_DOWN_AFTER_MS, reason }, 'SENTINEL_DOWN_AFTER_MS below 2000 is risky');
  }
  const registered = await waitForMasters(dir, wanted, cfg.MASTER_WAIT_TIMEOUT_MS, log);
  if (!registered) {
    const what = `a master under ${dir.paths.masters}${names ? ` for MASTER_NAMES=${names.join(',')}` : ''}`;
    const zk = dir.connected ? 'ZooKeeper answered' : `ZooKeeper at ${cfg.ZK_HOSTS} did not answer`;
    process.stderr.write(`fatal: waited ${cfg.MASTER_WAIT_TIMEOUT_MS} ms (MASTER_WAIT_TIMEOUT_MS) for ${what}; ${zk}\n`);
    return 1;
  }

  // One long-lived connection per server for the start's and the follower's and the pruner's
  // questions: with many sets, a connection per question was hundreds opened and closed a second (#27).
  const pool = new RedisPool({ timeoutMs: 1000 });
  const { sets, paused } = await decideInitialMonitoring(w, registered.masters, pool);

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
        currentEpoch: registered.newestEpoch,
        access: { password: cfg.security.sentinelPassword, tls: cfg.security.tls, users: cfg.users },
      }),
      ...[...paused].flatMap(([name, master]) => monitorLines(name, master, { ...settings, quorum: PAUSED_QUORUM })),
    ],
    serves: 'sentinel',
  });
  await setInfoPeriod(bind, cfg.SENTINEL_INFO_PERIOD_MS, pool, log);
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
