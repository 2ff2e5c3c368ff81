import fs from 'node:fs';
import test from 'ava';
import { stopOnTeardown } from '../helpers/chaos';
import { VALKEY } from '../helpers/engine';
import { recordFigures } from '../helpers/figures';
import {
  checkNoLoss,
  healthKills,
  masterTask,
  ModelClient,
  outageAround,
  REDIS,
  SENTINEL,
  waitMarathonHealthy,
  waitSteady,
  WritableMasters,
  type WriterResult,
} from '../helpers/model-scenario';
import { scenarioFile } from '../helpers/scenario-file';

/**
 * The shipped group (marathon/redis-zk.json, unchanged) on the Marathon model with Valkey as the
 * engine (REDIS_SERVER_BIN=valkey-server, REDIS_SENTINEL_BIN=valkey-sentinel in every task's
 * environment, as the image built with ENGINE=valkey sets them), 3 agents: the master's task
 * killed -9 and replaced by Marathon, then a rolling restart of redis (a planned switchover under
 * Marathon's kill); a WAIT-1 client throughout.
 */
scenarioFile('Valkey', { agents: 3, env: VALKEY }, (f) => {
  test.serial(
    "Marathon on Valkey: every server is Valkey's; kill -9 of the master's task, then a rolling restart of redis: " +
      '0 acknowledged writes lost, never two writable masters, no health-check kill',
    async (t) => {
      const sc = f.scenario;
      const { model } = sc.stack;
      for (const [app, bin] of [
        [REDIS, 'valkey-server'],
        [SENTINEL, 'valkey-sentinel'],
      ] as const) {
        for (const task of model.tasks(app)) t.regex(fs.readFileSync(task.proc.logFile, 'utf8'), new RegExp(`"server":"${bin}"`), `${task.id} runs ${bin}`);
      }
      const kills = healthKills(sc);
      const writer = stopOnTeardown(t, ModelClient.start<WriterResult>(sc, 'valkey'));
      const monitor = stopOnTeardown(t, new WritableMasters(sc));
      await writer.flowing('writes before the kill', 100);

      const master = await masterTask(sc);
      const killedAt = Date.now();
      master.proc.killGroup('SIGKILL');
      await writer.flowing("writes after the master's task was killed", 30);
      await waitSteady(sc);
      const killSteadyMs = Date.now() - killedAt;

      await waitMarathonHealthy(sc, REDIS);
      const restartAt = Date.now();
      await model.deploymentDone(model.restart(REDIS), 120000);
      await waitSteady(sc);
      await writer.flowing('writes after the rolling restart', 30);
      const restartMs = Date.now() - restartAt;

      const r = await writer.stop();
      const m = await monitor.stop();
      recordFigures(t, 'marathon-valkey', {
        killWriteOutageMs: outageAround(r, killedAt),
        killSteadyMs,
        rollingRestartMs: restartMs,
        rollingRestartMaxGapMs: Math.max(0, ...r.gaps.filter(([a, b]) => b >= restartAt && a <= restartAt + restartMs).map(([a, b]) => b - a)),
        acked: r.acked,
        failed: r.failed,
        lost: r.lost,
        healthKills: kills.length,
      });
      checkNoLoss(t, r, m);
      t.deepEqual(kills, [], 'no task killed by a health check');
      f.passed(t);
    },
  );
});
