import { scenarioFile } from '../helpers/scenario-file';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { ModelTask } from '../../packages/local-stack/src/marathon-model';
import { stopOnTeardown } from '../helpers/chaos';
import { recordFigures } from '../helpers/figures';
import { uniqueViolations } from '../helpers/model';
import {
  checkNoLoss,
  healthKills,
  ModelClient,
  firstLogTime,
  PAUSED_MSG,
  REDIS,
  SCALE,
  type Scenario,
  SENTINEL,
  waitSteady,
  WATCHER,
  WritableMasters,
  writeResidentGroup,
  type WriterResult,
} from '../helpers/model-scenario';
import { sleep, waitFor } from '../helpers/wait';

/**
 * Marathon scenarios 5 and 6 on the model (test/helpers/model-scenario.ts says how time is
 * scaled): ZooKeeper unreachable from every agent for 3 minutes (scaled: 36 s), then every task
 * of every app killed at once and restarted by Marathon. 5 agents, 3 of them labelled
 * redis_zk:true (the redis app's constraint): a host volume pins no task, the label keeps redis
 * on the agents that hold its data while the other two take sentinels and watchers.
 */

const ZK_OUTAGE_MS = 180000 * SCALE;

const AGENTS = 5;
const LABELLED = 3;

// On the DC/OS Enterprise profile (Marathon's secrets feature, DC/OS's ports and timers, HOST the
// agent's address): the shipped marathon/redis-zk.json as Enterprise runs it.
scenarioFile('ZooKeeper outage, cold restart', { agents: AGENTS, labelled: LABELLED, platform: 'dcos-enterprise' }, (f) => {
  test.serial(
    'Marathon 5: ZooKeeper unreachable from every agent for 3 minutes (scaled): the data plane never notices, no ' +
      'task is killed by a health check, discovery keeps answering (marked stale in /status), all current again after',
    async (t) => {
      const sc = f.scenario;
      const { model } = sc.stack;
      const kills = healthKills(sc);
      const ended: string[] = [];
      const onEnd = (x: ModelTask) => ended.push(`${x.id}: ${JSON.stringify(x.exit)}`);
      model.on('task-terminal', onEnd);
      t.teardown(() => model.off('task-terminal', onEnd));
      const writer = stopOnTeardown(t, ModelClient.start<WriterResult>(sc, 'zkoutage'));
      const monitor = stopOnTeardown(t, new WritableMasters(sc));
      await writer.flowing('writes before the outage', 100);
      const sentinels = model
        .tasks(SENTINEL)
        .map((x) => `${x.agent.ns.ip}:${x.hostPorts[0]}`)
        .sort();
      const watchers = model.tasks(WATCHER).map((w) => `http://${w.agent.ns.ip}:${w.hostPorts[0]}`);

      // Discovery as a client sees it, every second, from the infra namespace.
      let asking = true;
      const discovery = { asked: 0, full: 0, wrong: [] as string[], staleSeen: 0 };
      const asker = (async () => {
        while (asking) {
          for (const base of watchers) {
            discovery.asked += 1;
            const r = await model.infraProbe.http(`${base}/sentinels`, 3000).catch((err: Error) => ({ status: 0, body: err.message }));
            const list = r.status === 200 ? (JSON.parse(r.body) as Array<{ host: string; port: number }>).map((x) => `${x.host}:${x.port}`).sort() : [];
            if (JSON.stringify(list) === JSON.stringify(sentinels)) discovery.full += 1;
            else discovery.wrong.push(`${base}: ${r.status} ${r.body.slice(0, 100)}`);
          }
          await sleep(1000);
        }
      })();

      const cutAt = Date.now();
      sc.stack.cutZooKeeper();
      await waitFor(
        '/status to mark the view stale',
        async () => {
          const r = await model.infraProbe.http(`${watchers[0]}/status`, 5000).catch(() => null);
          const set = r?.status === 200 ? (JSON.parse(r.body) as Record<string, { stale?: boolean }>).mymaster : undefined;
          if (set?.stale) discovery.staleSeen += 1;
          return set?.stale === true;
        },
        ZK_OUTAGE_MS,
        1000,
      );
      const staleAfterMs = Date.now() - cutAt;
      await sleep(cutAt + ZK_OUTAGE_MS - Date.now());
      const ackedDuring = writer.acked();
      const healedAt = Date.now();
      sc.stack.healZooKeeper();
      await waitFor(
        '/status current again',
        async () => {
          const r = await model.infraProbe.http(`${watchers[0]}/status`, 5000).catch(() => null);
          return r?.status === 200 && (JSON.parse(r.body) as Record<string, { stale?: boolean }>).mymaster?.stale === false;
        },
        60000,
        500,
      );
      const currentAfterMs = Date.now() - healedAt;
      asking = false;
      await asker;
      await waitSteady(sc);
      await writer.flowing('writes after the outage', 30);
      const r = await writer.stop();
      const m = await monitor.stop();
      const during = r.gaps.filter(([a, b]) => b >= cutAt && a <= healedAt);
      recordFigures(t, 'marathon-zookeeper-outage', {
        outageMs: healedAt - cutAt,
        writesAckedByOutageEnd: ackedDuring,
        writeGapsOver500msDuringOutage: during.length,
        maxGapMs: r.maxGapMs,
        discoveryAnswers: discovery.asked,
        discoveryFullLists: discovery.full,
        discoveryWrong: discovery.wrong.length,
        statusStaleAfterMs: staleAfterMs,
        statusCurrentAfterHealMs: currentAfterMs,
        acked: r.acked,
        failed: r.failed,
        lost: r.lost,
        healthKills: kills.length,
        tasksEnded: ended.length,
      });
      t.deepEqual(during, [], 'no write outage while ZooKeeper was away');
      // ZooKeeper away alone (the sentinels answering) never pauses a master's writes.
      const paused = model.tasks(REDIS).filter((x) => firstLogTime(x.proc.logFile, PAUSED_MSG, cutAt) !== undefined);
      t.deepEqual(
        paused.map((x) => x.id),
        [],
        'no redis task paused its writes',
      );
      t.deepEqual(discovery.wrong, [], 'every watcher answered the full sentinel list throughout');
      t.deepEqual(kills, [], 'no task killed by a health check');
      t.deepEqual(ended, [], 'no task ended');
      checkNoLoss(t, r, m);
      f.passed(t);
    },
  );

  /** Kills every task of every app at once (kill -9), waits for Marathon to bring them all back; the writes before and after. */
  async function coldRestart(t: ExecutionContext, sc: Scenario, figures: string) {
    const { model } = sc.stack;
    const writer = stopOnTeardown(t, ModelClient.start<WriterResult>(sc, `${figures}-before`));
    await writer.flowing('writes before the cold restart', 100);
    const old = model.tasks().filter((x) => x.proc.running);
    const killedAt = Date.now();
    for (const x of old) x.proc.killGroup('SIGKILL');
    // It stops writing now and checks its writes once the set is back.
    const beforeStopped = writer.stop();
    const monitor = stopOnTeardown(t, new WritableMasters(sc));
    await waitFor(
      'every app back: running, healthy tasks of the new generation',
      () =>
        [REDIS, SENTINEL, WATCHER].every(
          (app) =>
            model.tasks(app).filter((x) => !old.includes(x) && x.state === 'running' && x.health === 'healthy' && x.proc.running).length ===
            model.definition(app).instances,
        ),
      180000,
      200,
    );
    const backAt = Date.now();
    // Host volumes: a redis task that lands on an agent which ran one before finds that node's data.
    const heldData = new Set(old.filter((x) => x.appId === REDIS).map((x) => x.agent.id));
    const redisBackOnData = model.tasks(REDIS).filter((x) => !old.includes(x) && x.proc.running && heldData.has(x.agent.id)).length;
    await waitSteady(sc);
    const steadyAt = Date.now();
    const after = stopOnTeardown(t, ModelClient.start<WriterResult>(sc, `${figures}-after`));
    await after.flowing('writes after the cold restart', 100);
    const r = await after.stop();
    const before = await beforeStopped;
    const m = await monitor.stop();
    for (const app of [REDIS, SENTINEL, WATCHER]) t.deepEqual(uniqueViolations(model, app), [], `${app}: hostname:UNIQUE`);
    t.is(redisBackOnData, model.definition(REDIS).instances, `every redis task back on an agent that held a node's data (of ${AGENTS} agents)`);
    recordFigures(t, figures, {
      agents: AGENTS,
      tasksKilled: old.length,
      redisBackOnData,
      allHealthyAfterMs: backAt - killedAt,
      steadyAfterMs: steadyAt - killedAt,
      firstWriteAfterMs: (r.firstAckAt ?? NaN) - killedAt,
      ackedBefore: before.acked,
      ackedBeforeLost: before.lost,
      acked: r.acked,
      failed: r.failed,
      lost: r.lost,
    });
    t.true(before.verified && r.verified, 'the clients read their writes back');
    t.is(r.lost, 0, 'no write acknowledged after the restart lost');
    t.deepEqual(m.twoWritable, [], 'never two writable masters');
    return { before, after: r };
  }

  test.serial(
    'Marathon 6: every task of every app killed at once (kill -9), Marathon restarts them all: each redis task that lands on an agent ' +
      'that ran one finds its data on the host volume, the freshest is elected; 0 acknowledged writes lost, before or after; ' +
      'discovery answers; never two writable masters',
    async (t) => {
      const sc = f.scenario;
      const onLabelled = () => sc.stack.model.tasks(REDIS).every((x) => x.agent.attributes.redis_zk === 'true');
      t.is(sc.stack.model.agents.filter((a) => a.attributes.redis_zk === 'true').length, LABELLED);
      t.true(onLabelled(), 'redis only on the labelled agents before');
      const { before } = await coldRestart(t, sc, 'marathon-cold-restart');
      t.true(onLabelled(), 'redis only on the labelled agents after');
      t.is(before.lost, 0, `acknowledged writes lost: ${before.lostKeys.join(',')}`);
      f.passed(t);
    },
  );

  test.serial(
    "Marathon 6, with the README's persistent-volume opt-in: every task killed at once " +
      'comes back on its agent with its data; 0 acknowledged writes lost, before or after',
    async (t) => {
      const file = writeResidentGroup(path.join(os.tmpdir(), `redis-zk-resident-${process.pid}.json`));
      t.teardown(() => fs.rmSync(file, { force: true }));
      const { before } = await coldRestart(t, await f.restart(t, file), 'marathon-cold-restart-volumes');
      t.is(before.lost, 0, `acknowledged writes lost: ${before.lostKeys.join(',')}`);
      f.passed(t);
    },
  );
});
