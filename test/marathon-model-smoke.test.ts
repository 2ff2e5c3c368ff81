import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import pino from 'pino';
import { Directory } from '../packages/core/src/zk/directory';
import { ZkClient } from '../packages/core/src/zk/client';
import { type AppDefinition, loadAppDefinitions } from '../packages/local-stack/src/app-definition';
import { ModelStack } from '../packages/local-stack/src/model-stack';
import { MODEL, type ModelTask, skipReason, startModel } from './helpers/model';
import { ROOT } from './helpers/processes';
import { waitFor } from './helpers/wait';

/**
 * The shipped definitions in marathon/, read unchanged, on the Marathon model (needs root and
 * `ip netns`; the programs built). Every duration of the definitions runs at a fifth (timeScale 0.2).
 */

const SCALE = 0.2;

if (!MODEL.ok) {
  test.skip(`the shipped Marathon definitions on the model: skipped, ${skipReason}`, () => undefined);
} else {
  test('marathon/redis-zk.json unchanged on 3 agents: redis and sentinel deploy healthy; the watcher waits for host port 8080, which no agent offers; on a dynamic port, /sentinels answers from the infra namespace', async (t) => {
    const stack = await ModelStack.start({ agents: 3, timeScale: SCALE });
    const { model } = stack;
    t.teardown(async () => {
      await stack.stop({ keepFiles: !t.passed });
      if (!t.passed) t.log(`model files kept in ${model.dir}`);
      const left = model.network.leftovers();
      if (left.length > 0) throw new Error(`left behind: ${left.join(' ')}`);
    });
    const byId = (id: string) => stack.deployments.find((d) => d.appId === id)!;
    await model.deploymentDone(byId('/redis-zk/redis'), 120000);
    await model.deploymentDone(byId('/redis-zk/sentinel'), 120000);
    const redis = model.tasks('/redis-zk/redis');
    const sentinels = model.tasks('/redis-zk/sentinel');
    t.is(new Set(redis.map((x) => x.agent.id)).size, 3, 'redis: one per agent');
    t.is(new Set(sentinels.map((x) => x.agent.id)).size, 3, 'sentinel: one per agent');

    // ZooKeeper (master.mesos:2181 in the definitions) names a master at an agent's address.
    const zk = new ZkClient({ connectString: `127.0.0.1:${await model.infraProbe.forward(stack.zk.host, stack.zk.port)}`, sessionTimeoutMs: 10000, log: pino({ level: 'silent' }) });
    t.teardown(() => zk.close());
    await zk.waitConnected(20000);
    const dir = new Directory(zk, '/redis', pino({ level: 'silent' }));
    const master = (await waitFor('a master in ZooKeeper', () => dir.readMaster('mymaster'), 30000)).raw;
    t.true(redis.some((x) => `${x.agent.ns.ip}:${x.hostPorts[0]}` === master), `${master} is a redis task's HOST:PORT0`);

    const watcher = model.status('/redis-zk/watcher');
    t.regex(watcher.waiting ?? '', /agent-1 [^;]*: port 8080 not offered \(free: \[31000-[^;]*; agent-2 [^;]*: port 8080 not offered [^;]*; agent-3 [^;]*: port 8080 not offered/, 'Marathon would report the watcher waiting for a resource offer');
    t.is(model.tasks('/redis-zk/watcher').length, 0);

    // The one change that lets it deploy here: a dynamic host port.
    const def: AppDefinition = { ...model.definition('/redis-zk/watcher'), requirePorts: false, portDefinitions: [{ port: 0, name: 'http', protocol: 'tcp' }] };
    await model.deploymentDone(model.restart('/redis-zk/watcher', { def, force: true }), 120000);
    const watchers = model.tasks('/redis-zk/watcher');
    t.is(watchers.length, 2);
    const expected = sentinels.map((x) => `${x.agent.ns.ip}:${x.hostPorts[0]}`).sort();
    for (const w of watchers) {
      const list = await waitFor('the watcher to list every sentinel', async () => {
        const r = await model.infraProbe.http(`http://${w.agent.ns.ip}:${w.hostPorts[0]}/sentinels`, 5000);
        const body = r.status === 200 ? (JSON.parse(r.body) as Array<{ host: string; port: number }>) : [];
        return body.length === expected.length ? body : undefined;
      }, 30000, 250);
      t.deepEqual(list.map((s) => `${s.host}:${s.port}`).sort(), expected);
    }
  });

  test('marathon/redis.json unchanged on an agent whose interface is not eth0: the task fails (NET_IFACE=eth0) and Marathon relaunches it after the backoff', async (t) => {
    // The app's secrets as the store would give them, so the start gets past the password check.
    const secrets = () => ({ REDIS_PASSWORD: 'smoke-test-password', ZK_AUTH: 'redis-zk:smoke-test' });
    const model = await startModel(t, { agents: 1, ifaceName: 'ens5', timeScale: SCALE, secrets });
    const [redis] = loadAppDefinitions(path.join(ROOT, 'marathon', 'redis.json'));
    const failed: ModelTask[] = [];
    model.on('task-terminal', (task: ModelTask) => failed.push(task));
    model.deploy([redis!]);
    await waitFor('two failed launches', () => failed.length >= 2, 60000);
    for (const task of failed) {
      t.not(task.exit?.code, 0);
      t.regex(fs.readFileSync(path.join(task.sandbox, 'stdout'), 'utf8'), /NET_IFACE=\\?"eth0\\?": no IPv4 address on that interface/);
    }
    t.true(failed[1]!.startedAt - (failed[0]!.startedAt) >= model.ms(redis!.backoffSeconds), 'relaunched after backoffSeconds');
    t.regex(model.status('/redis-zk/redis').waiting ?? '', /hostname:UNIQUE/, 'the other two instances wait: one agent');
  });
}
