import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { parseApp } from '../../packages/local-stack/src/app-definition';
import type { ModelTask } from '../../packages/local-stack/src/marathon-model';
import { PLATFORMS } from '../../packages/local-stack/src/platforms';
import { masterAgentLoss } from '../helpers/agent-loss';
import { stopOnTeardown } from '../helpers/chaos';
import { scenarioFile } from '../helpers/scenario-file';
import { recordFigures } from '../helpers/figures';
import { uniqueViolations } from '../helpers/model';
import {
  checkNoLoss,
  healthKills,
  masterTask,
  ModelClient,
  REDIS,
  SENTINEL,
  waitMarathonHealthy,
  waitSteady,
  WATCHER,
  WritableMasters,
  type WriterResult,
} from '../helpers/model-scenario';
import { ROOT } from '../helpers/processes';
import { waitFor } from '../helpers/wait';

/**
 * Marathon scenarios 1, 2 and 2b on the model (test/helpers/model-scenario.ts says how time is
 * scaled), on the open-source Marathon profile (no secrets feature, Mesos's ports, HOST the
 * agent's name): the group deployed from marathon/redis-zk-open.json unchanged (the password and
 * ZooKeeper digest from the agents' /etc/redis-zk/redis-zk.env), then a rolling restart of each
 * app in the kill orders Marathon may pick, then an upgrade (a new image: a change of
 * configuration, which UNIQUE places ignoring the old tasks) of each, then the master's agent
 * lost (scenario 3 on this platform: Mesos's 75 s timer), a client writing throughout. 4 agents,
 * all labelled for redis, so that a lost agent's tasks have somewhere to go.
 * MODEL_OFFER_ORDER=random runs it with offers in a random order (as they come on a real
 * cluster; the model's default is least loaded first): an upgrade then places new redis tasks
 * beside old ones that still run, which refuse the data directory at once.
 */

const GROUP = path.join(ROOT, 'marathon', 'redis-zk-open.json');
const OFFER_ORDER = process.env.MODEL_OFFER_ORDER === 'random' ? 'random' : 'least-loaded';
/** How fast a task placed beside a live old one on its data directory must give up: at once, not after DATA_LOCK_WAIT_MS (60 s). */
const REFUSED_WITHIN_MS = 10000;

scenarioFile(
  'deploy, rolling upgrades, agent loss, open-source Marathon',
  { agents: 4, group: GROUP, platform: 'marathon-oss', offerOrder: OFFER_ORDER },
  (f) => {
    test.serial(
      'Marathon 1: the group from marathon/redis-zk-open.json deploys unchanged on open-source Marathon (watcher on a dynamic port); every ' +
        'watcher is ready and lists every sentinel; a client finding the sentinels through a watcher writes (WAIT 1)',
      async (t) => {
        const sc = f.scenario;
        const { model } = sc.stack;
        for (const app of [REDIS, SENTINEL, WATCHER]) t.deepEqual(uniqueViolations(model, app), [], `${app}: hostname:UNIQUE`);
        const sentinels = model
          .tasks(SENTINEL)
          .map((x) => `${x.agent.ns.ip}:${x.hostPorts[0]}`)
          .sort();
        const watchers = model.tasks(WATCHER);
        t.is(watchers.length, 2);
        for (const w of watchers) {
          const base = `http://${w.agent.ns.ip}:${w.hostPorts[0]}`;
          t.true(w.hostPorts[0]! >= 31000, `${base}: a port Mesos offers, not 8080`);
          const list = await waitFor(
            `${base}/sentinels to list every sentinel`,
            async () => {
              const r = await model.infraProbe.http(`${base}/sentinels`, 5000);
              const body = r.status === 200 ? (JSON.parse(r.body) as Array<{ host: string; port: number }>).map((x) => `${x.host}:${x.port}`).sort() : [];
              return body.length === sentinels.length ? body : undefined;
            },
            30000,
            250,
          );
          t.deepEqual(list, sentinels);
          t.is((await model.infraProbe.http(`${base}/readiness`, 5000)).status, 200);
          t.is((await model.infraProbe.http(`${base}/liveness`, 5000)).status, 200);
        }
        const master = await waitSteady(sc);
        for (const x of model.tasks(REDIS)) {
          t.is(x.env.HOST, x.agent.name, 'HOST is the agent name, as plain Mesos gives it');
          t.false('LIBPROCESS_IP' in x.env, 'a Docker task gets no LIBPROCESS_IP');
          t.is(x.env.REDIS_PASSWORD, undefined, 'the password is not in the task definition: the task reads it from the agent');
        }
        t.true(
          model.tasks(REDIS).some((x) => `${x.agent.ns.ip}:${x.env.PORT0}` === master),
          'the master announces the address HOST resolves to, and PORT0 (no NET_IFACE)',
        );

        const clientStartedAt = Date.now();
        const writer = stopOnTeardown(t, ModelClient.start(sc, 'deploy'));
        const monitor = stopOnTeardown(t, new WritableMasters(sc));
        await writer.flowing('a client after discovery', 200);
        const r = await writer.stop();
        const m = await monitor.stop();
        recordFigures(t, 'marathon-deploy', {
          deployMs: f.startMs,
          firstAckAfterClientStartMs: (r.firstAckAt ?? NaN) - clientStartedAt,
          acked: r.acked,
          failed: r.failed,
          lost: r.lost,
          monitorSamples: m.samples,
        });
        checkNoLoss(t, r, m);
        f.passed(t);
      },
    );

    test.serial(
      'Marathon 2: rolling restart of redis (the master killed first, in the middle, last), sentinel ' +
        'and watcher: 0 acknowledged writes lost, never two writable masters, no health-check kill',
      async (t) => {
        const sc = f.scenario;
        const { model } = sc.stack;
        const kills = healthKills(sc);
        const writer = stopOnTeardown(t, ModelClient.start<WriterResult>(sc, 'upgrade'));
        const monitor = stopOnTeardown(t, new WritableMasters(sc));
        await writer.flowing('writes before the upgrades', 100);
        const windows: Array<{ name: string; from: number; to: number }> = [];
        const restart = async (name: string, app: string, order?: (tasks: ModelTask[]) => string[]) => {
          await waitMarathonHealthy(sc, app);
          const from = Date.now();
          let sequence: string[] | undefined;
          const d = model.restart(
            app,
            order
              ? {
                  order: (old) => {
                    sequence ??= order(old);
                    return sequence.flatMap((id) => old.filter((x) => x.id === id));
                  },
                }
              : {},
          );
          await model.deploymentDone(d, 120000);
          await waitSteady(sc);
          await writer.flowing(`writes after ${name}`, 30);
          windows.push({ name, from, to: Date.now() });
        };
        // The master's place in the kill order is what differs between the orders Marathon may pick
        // (the replicas are alike): first (both replicas old), in the middle (one replica already
        // replaced, the other still old), last (both replaced already).
        for (const position of ['first', 'middle', 'last'] as const) {
          const master = await masterTask(sc);
          await restart(`redis, master killed ${position}`, REDIS, (old) => {
            const [a, b] = old.filter((x) => x !== master).map((x) => x.id);
            if (position === 'first') return [master.id, a!, b!];
            return position === 'middle' ? [a!, master.id, b!] : [a!, b!, master.id];
          });
          t.deepEqual(uniqueViolations(model, REDIS), []);
        }
        await restart('sentinel', SENTINEL);
        await restart('watcher', WATCHER);
        const r = await writer.stop();
        const m = await monitor.stop();
        const outages = windows.map((w) => [...r.gaps.filter(([a, b]) => a <= w.to && b >= w.from).map(([a, b]) => b - a), 0].reduce((x, y) => Math.max(x, y)));
        recordFigures(t, 'marathon-rolling-upgrade', {
          ...Object.fromEntries(windows.map((w) => [`${w.name.replace(/[^a-z]+/gi, '_')}_ms`, w.to - w.from])),
          ...Object.fromEntries(windows.map((w, i) => [`${w.name.replace(/[^a-z]+/gi, '_')}_writeOutageMs`, outages[i]!])),
          acked: r.acked,
          failed: r.failed,
          lost: r.lost,
          maxGapMs: r.maxGapMs,
          healthKills: kills.length,
        });
        checkNoLoss(t, r, m);
        t.deepEqual(kills, [], 'no task killed by a health check');
        f.passed(t);
      },
    );

    test.serial(
      'Marathon 2b: an upgrade of each app (a new image, a change of configuration: UNIQUE ignores the old tasks, so a new redis ' +
        'may start beside an old one): 0 acknowledged writes lost, never two writable masters, no task failing by itself, no health-check kill',
      async (t) => {
        const sc = f.scenario;
        const { model } = sc.stack;
        const kills = healthKills(sc);
        const failed: string[] = [];
        const beside: string[] = [];
        // A new redis task beside a live old one (not stopping) on its data directory: refused at once, so Marathon places it elsewhere.
        const refused: Array<{ task: string; afterMs: number }> = [];
        model.on('task-terminal', (task: ModelTask) => {
          if (task.killReason) return;
          const afterMs = Date.now() - task.startedAt;
          if (
            task.appId === REDIS &&
            task.exit?.code === 1 &&
            /is held by a running process that is not stopping/.test(fs.readFileSync(task.proc.logFile, 'utf8'))
          )
            refused.push({ task: `${task.id} on ${task.agent.id}`, afterMs });
          else failed.push(`${task.id} on ${task.agent.id}: ${JSON.stringify(task.exit)}`);
        });
        model.on('task-launched', (task: ModelTask) => {
          const old = model.tasks(task.appId).find((x) => x !== task && x.agent === task.agent && x.version !== task.version && !x.exit);
          if (old) beside.push(`${task.id} beside ${old.id} (${old.state}${old.killReason ? ', killed' : ''}) on ${task.agent.id}`);
        });
        const writer = stopOnTeardown(t, ModelClient.start<WriterResult>(sc, 'image'));
        const monitor = stopOnTeardown(t, new WritableMasters(sc));
        await writer.flowing('writes before the upgrades', 100);
        const windows: Array<{ name: string; from: number; to: number }> = [];
        for (const app of [REDIS, SENTINEL, WATCHER]) {
          await waitMarathonHealthy(sc, app);
          const from = Date.now();
          const raw = model.definition(app).raw as Record<string, unknown> & { container: { docker: Record<string, unknown> } };
          const def = parseApp({ ...raw, container: { ...raw.container, docker: { ...raw.container.docker, image: 'redis-zk/redis-zk:0.1.1' } } });
          const d = model.restart(app, { def });
          await model.deploymentDone(d, 180000);
          t.true(
            model.tasks(app).every((x) => x.env.MARATHON_APP_DOCKER_IMAGE === 'redis-zk/redis-zk:0.1.1'),
            `${app}: every task of the new image`,
          );
          await waitSteady(sc);
          await writer.flowing(`writes after upgrading ${app}`, 30);
          windows.push({ name: app.split('/').pop()!, from, to: Date.now() });
          t.deepEqual(uniqueViolations(model, app), [], `${app}: UNIQUE once the upgrade is done`);
        }
        const r = await writer.stop();
        const m = await monitor.stop();
        const outages = windows.map((w) => [...r.gaps.filter(([a, b]) => a <= w.to && b >= w.from).map(([a, b]) => b - a), 0].reduce((x, y) => Math.max(x, y)));
        recordFigures(t, OFFER_ORDER === 'random' ? 'marathon-image-upgrade-random-offers' : 'marathon-image-upgrade', {
          ...Object.fromEntries(windows.map((w) => [`${w.name.replace(/[^a-z]+/gi, '_')}_ms`, w.to - w.from])),
          ...Object.fromEntries(windows.map((w, i) => [`${w.name.replace(/[^a-z]+/gi, '_')}_writeOutageMs`, outages[i]!])),
          acked: r.acked,
          failed: r.failed,
          lost: r.lost,
          maxGapMs: r.maxGapMs,
          newBesideOld: beside.length,
          dataDirRefusals: refused.length,
          dataDirRefusedAfterMs: refused.map((x) => x.afterMs),
          tasksFailed: failed.length,
          healthKills: kills.length,
        });
        if (beside.length > 0) t.log(`new tasks started beside an old one: ${beside.join('; ')}`);
        checkNoLoss(t, r, m);
        t.deepEqual(failed, [], 'no task ended by itself (no crash loop) but for data-directory refusals');
        t.deepEqual(
          refused.filter((x) => x.afterMs > REFUSED_WITHIN_MS),
          [],
          `a task beside a live old one on its data directory gave up within ${REFUSED_WITHIN_MS} ms, not DATA_LOCK_WAIT_MS`,
        );
        t.deepEqual(kills, [], 'no task killed by a health check');
        f.passed(t);
      },
    );

    test.serial(
      "Marathon 3 on open-source Marathon: the master's agent lost; Mesos calls it unreachable after its 75 s, Marathon replaces its " +
        'tasks on the spare agent under UNIQUE; 0 acknowledged writes lost, never two writable masters',
      async (t) => {
        await masterAgentLoss(t, f.scenario, 'marathon-oss-agent-loss', PLATFORMS['marathon-oss'].agentUnreachableAfterSeconds);
        f.passed(t);
      },
    );
  },
);
