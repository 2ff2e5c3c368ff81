import { scenarioFile } from '../helpers/scenario-file';
import test from 'ava';
import type { ModelTask } from '../../packages/local-stack/src/marathon-model';
import { stopOnTeardown } from '../helpers/chaos';
import { recordFigures } from '../helpers/figures';
import { uniqueViolations } from '../helpers/model';
import { healthKills, masterTask, ModelClient, REDIS, SENTINEL, waitSteady, WATCHER, WritableMasters, type WriterResult } from '../helpers/model-scenario';
import { waitFor } from '../helpers/wait';

/**
 * Marathon scenarios 1 and 2 on the model (test/helpers/model-scenario.ts says how time is
 * scaled): the group deployed from marathon/redis-zk.json unchanged, then a rolling restart of
 * each app in the kill orders Marathon may pick, a client writing throughout.
 */

scenarioFile('deploy, rolling upgrades', 3, (f) => {
  test.serial(
    'Marathon 1: the group from marathon/redis-zk.json deploys unchanged (watcher on a dynamic port); every ' +
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
      t.true(
        model.tasks(REDIS).some((x) => `${x.env.HOST}:${x.env.PORT0}` === master),
        'the master announces HOST:PORT0 (no NET_IFACE)',
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
      t.true(r.verified, 'the client read its writes back');
      t.is(r.lost, 0, `acknowledged writes lost: ${r.lostKeys.join(',')}`);
      t.deepEqual(m.twoWritable, [], 'never two writable masters');
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
      t.true(r.verified, 'the client read its writes back');
      t.is(r.lost, 0, `acknowledged writes lost: ${r.lostKeys.join(',')}`);
      t.deepEqual(m.twoWritable, [], 'never two writable masters');
      t.deepEqual(kills, [], 'no task killed by a health check');
      f.passed(t);
    },
  );
});
