import fs from 'node:fs';
import { scenarioFile } from '../helpers/scenario-file';
import test from 'ava';
import type { ModelAgent, ModelTask } from '../../packages/local-stack/src/marathon-model';
import { stopOnTeardown } from '../helpers/chaos';
import { recordFigures } from '../helpers/figures';
import { nextEvent, uniqueViolations } from '../helpers/model';
import {
  checkNoLoss,
  type DirectResult,
  firstLogTime,
  PAUSED_MSG,
  healthKills,
  masterTask,
  ModelClient,
  outageAround,
  REDIS,
  SCALE,
  SENTINEL,
  waitSteady,
  WATCHER,
  WritableMasters,
  type WriterResult,
} from '../helpers/model-scenario';
import { sleep, waitFor } from '../helpers/wait';

/**
 * Marathon scenarios 3 and 4 on the model (test/helpers/model-scenario.ts says how time is
 * scaled), 4 agents so that a lost agent's tasks have somewhere to go under hostname:UNIQUE:
 * the master's agent lost (every task on it gone at once), then the new master's agent cut off
 * the network for 30 s and healed, a client writing (WAIT 1) throughout and, during the
 * partition, a second client on the far side writing straight to the cut-off master.
 */

const PARTITION_MS = 30000;
/** Mesos's real agent-unreachable timeout (75 s) during the partition: a 30 s partition is not an agent loss. */
const MESOS_UNREACHABLE_S = 75 / SCALE;

scenarioFile('agent loss, partition', 4, (f) => {
  test.serial(
    "Marathon 3: the master's agent lost (every task on it killed at once, never back): Sentinel fails over, Mesos calls the agent " +
      'unreachable, Marathon replaces its tasks on the spare agent under UNIQUE; 0 acknowledged writes lost, never two writable masters',
    async (t) => {
      const sc = f.scenario;
      const { model } = sc.stack;
      const kills = healthKills(sc);
      const writer = stopOnTeardown(t, ModelClient.start<WriterResult>(sc, 'agentloss'));
      const monitor = stopOnTeardown(t, new WritableMasters(sc));
      await writer.flowing('writes before the loss', 100);
      const master = await masterTask(sc);
      const agent = master.agent;
      const lost = model.tasks().filter((x) => x.agent === agent && x.proc.running);
      const unreachable = nextEvent<[ModelAgent]>(model, 'agent-unreachable', (a) => a === agent, 'Mesos to call the agent unreachable', 120000);
      const launched = new Map<string, number>();
      const onLaunch = (x: ModelTask) => {
        if (!launched.has(x.appId)) launched.set(x.appId, Date.now());
      };
      model.on('task-launched', onLaunch);
      const lostAt = Date.now();
      model.killAgent(agent.id);
      await writer.flowing("writes after the master's agent died", 30);
      await unreachable;
      const unreachableAt = Date.now();
      const apps = [...new Set(lost.map((x) => x.appId))];
      await waitFor(
        'a replacement of every lost task, running and healthy',
        () =>
          apps.every(
            (app) =>
              model.tasks(app).filter((x) => x.state === 'running' && x.health === 'healthy' && x.proc.running).length === model.definition(app).instances,
          ),
        120000,
        200,
      );
      model.off('task-launched', onLaunch);
      await waitSteady(sc);
      const steadyAt = Date.now();
      await writer.flowing('writes once steady', 30);
      for (const app of [REDIS, SENTINEL, WATCHER]) {
        t.deepEqual(uniqueViolations(model, app), [], `${app}: hostname:UNIQUE`);
        t.false(
          model.tasks(app).some((x) => x.agent === agent && x.proc.running),
          `${app}: nothing runs on the lost agent`,
        );
      }
      const r = await writer.stop();
      const m = await monitor.stop();
      recordFigures(t, 'marathon-agent-loss', {
        tasksLost: lost.map((x) => x.appId.split('/').pop()).join('+'),
        writeOutageMs: outageAround(r, lostAt),
        agentUnreachableAfterMs: unreachableAt - lostAt,
        ...Object.fromEntries(apps.map((a) => [`${a.split('/').pop()}ReplacedAfterMs`, (launched.get(a) ?? NaN) - lostAt])),
        steadyAfterMs: steadyAt - lostAt,
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

  test.serial(
    "Marathon 4: the master's agent cut off the network for 30 s, then healed: the " +
      'majority side fails over and writes on; the cut-off master takes writes from a ' +
      "client on its side (none reaches a replica) until its wrapper, cut off from ZooKeeper and the sentinels' majority, " +
      'pauses them, then is demoted on healing; 0 acknowledged (WAIT 1) writes lost, never two writable masters',
    async (t) => {
      const sc = f.scenario;
      const { model } = sc.stack;
      model.setAgentUnreachableAfter(MESOS_UNREACHABLE_S);
      t.teardown(() => model.setAgentUnreachableAfter(75));
      const kills = healthKills(sc);
      const marked: string[] = [];
      model.on('agent-unreachable', (a: ModelAgent) => marked.push(a.id));
      // Steady, the sentinels of an earlier lost agent forgotten: else no side has Sentinel's majority.
      await waitSteady(sc, 120000);
      const writer = stopOnTeardown(t, ModelClient.start<WriterResult>(sc, 'partition'));
      const monitor = stopOnTeardown(t, new WritableMasters(sc));
      await writer.flowing('writes before the partition', 100);
      const master = await masterTask(sc);
      const oldAddress = `${master.agent.ns.ip}:${master.hostPorts[0]}`;
      const far = stopOnTeardown(t, ModelClient.start<DirectResult>(sc, 'far', { agent: master.agent, env: { MODE: 'direct', TARGET: oldAddress } }));
      await far.flowing('the far-side client writing to the master', 50);

      const cutAt = Date.now();
      model.cutAgent(master.agent.id);
      await writer.flowing('writes on the majority side', 30, PARTITION_MS);
      const promoted = await waitFor(
        'ZooKeeper to name a new master during the partition',
        async () => {
          const raw = (await sc.dir.readMaster('mymaster').catch(() => null))?.raw;
          return raw && raw !== oldAddress ? raw : undefined;
        },
        Math.max(1000, cutAt + PARTITION_MS - Date.now()),
        200,
      ).catch(() => oldAddress);
      await sleep(cutAt + PARTITION_MS - Date.now());
      const healedAt = Date.now();
      model.healAgent(master.agent.id);
      await waitSteady(sc);
      const steadyAt = Date.now();
      await writer.flowing('writes once healed', 30);
      const farResult = await far.stop();
      const r = await writer.stop();
      const m = await monitor.stop();

      const afterCut = farResult.ok.filter(([, at]) => at > cutAt);
      const present = new Set(farResult.present ?? []);
      // When the cut-off master's wrapper paused its writes (its own log line, same clock as the client's).
      const pausedAt = firstLogTime(master.proc.logFile, PAUSED_MSG, cutAt);
      const ackedAfterPause = pausedAt === undefined ? NaN : afterCut.filter(([, at]) => at > pausedAt).length;
      recordFigures(t, 'marathon-partition', {
        partitionMs: healedAt - cutAt,
        writeOutageMs: outageAround(r, cutAt),
        cutOffMasterAckedWrites: afterCut.length,
        cutOffMasterAckedForMs: afterCut.length > 0 ? afterCut[afterCut.length - 1]![1] - cutAt : 0,
        cutOffMasterWritesKept: afterCut.filter(([k]) => present.has(k)).length,
        cutOffMasterPausedAfterMs: pausedAt === undefined ? NaN : pausedAt - cutAt,
        cutOffMasterAckedAfterPause: ackedAfterPause,
        demotedAndSteadyAfterHealMs: steadyAt - healedAt,
        // #29 point 8: when the old master's own wrapper made it a replica (its fence), after the heal.
        oldMasterFencedAfterHealMs: (firstLogTime(master.proc.logFile, 'demoted this stale master to a replica', healedAt) ?? NaN) - healedAt,
        staleReplicaListings: m.disowned,
        // Replicas whose wrapper followed the promoted master during Sentinel's failover (role-decide's followPromoted).
        replicasFollowedPromotedEarly: model
          .tasks(REDIS)
          .filter((x) => fs.existsSync(x.proc.logFile) && fs.readFileSync(x.proc.logFile, 'utf8').includes('while Sentinel fails over')).length,
        acked: r.acked,
        failed: r.failed,
        lost: r.lost,
        healthKills: kills.length,
      });
      t.not(promoted, oldAddress, 'ZooKeeper named a new master during the partition');
      // The window is bounded by an event, not a time: the wrapper paused the cut-off master's writes
      // during the partition, and at most the one write in flight then (the client writes one at a time) was acknowledged after.
      t.true(pausedAt !== undefined && pausedAt < healedAt, "the cut-off master's wrapper paused its writes during the partition");
      t.true(ackedAfterPause <= 1, `writes the cut-off master acknowledged after its pause: ${ackedAfterPause}`);
      t.true(master.proc.running, 'the cut-off task was not killed');
      t.deepEqual(marked, [], 'Mesos never called the agent unreachable (30 s < 75 s)');
      checkNoLoss(t, r, m);
      t.deepEqual(kills, [], 'no task killed by a health check');
      t.not(farResult.present, null, 'the far-side client checked its writes');
      f.passed(t);
    },
  );
});
