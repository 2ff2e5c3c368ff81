import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import pino from 'pino';
import { Directory } from '../packages/core/src/zk/directory';
import { ZkClient } from '../packages/core/src/zk/client';
import { DCOS_PORTS } from '../packages/local-stack/src/agents';
import { ModelStack } from '../packages/local-stack/src/model-stack';
import { PLATFORMS, type PlatformName } from '../packages/local-stack/src/platforms';
import { AGENT_ENV_FILE, REDIS_AGENT_ATTRIBUTE } from './helpers/model-scenario';
import { ROOT } from './helpers/processes';
import { MODEL, skipReason } from './helpers/model';
import { waitFor } from './helpers/wait';

/**
 * The shipped definitions in marathon/, read unchanged, on the Marathon model (needs root and
 * `ip netns`; the programs built), each on the platforms it is for (platforms.ts: Marathon's
 * features, agents' ports, HOST an address on DC/OS and a name on plain Mesos), on agents whose
 * interface is not eth0, labelled for redis's data. Every duration of the definitions runs at a
 * fifth (timeScale 0.2). The scenarios with clients are test/chaos/marathon-*.test.ts.
 */

const RUNS: Array<{ file: string; platform: PlatformName }> = [
  { file: 'redis-zk.json', platform: 'dcos-enterprise' },
  { file: 'redis-zk-open.json', platform: 'dcos-open' },
  { file: 'redis-zk-open.json', platform: 'marathon-oss' },
  { file: 'redis-zk-persistent.json', platform: 'marathon-oss' },
];

const SCALE = 0.2;

if (!MODEL.ok) {
  test.skip(`the shipped Marathon definitions on the model: skipped, ${skipReason}`, () => undefined);
} else {
  // Redis binds HOST, ZooKeeper names a master at an agent's address, each watcher lists every sentinel.
  for (const { file, platform } of RUNS)
    test(`marathon/${file} unchanged on 3 agents of ${PLATFORMS[platform].title} (its features, ports, HOST; interface ens5): every app healthy and ready`, async (t) => {
      const fromFile = !file.startsWith('redis-zk.json');
      const password = randomBytes(12).toString('hex');
      const stack = await ModelStack.start({
        group: path.join(ROOT, 'marathon', file),
        agents: [0, 1, 2].map(() => ({ attributes: { ...REDIS_AGENT_ATTRIBUTE } })),
        platform,
        timeScale: SCALE,
        ifaceName: 'ens5',
        ...(fromFile ? { hostFiles: { [AGENT_ENV_FILE]: `REDIS_PASSWORD=${password}\nZK_AUTH=redis-zk:${password}\n` } } : {}),
      });
      const { model } = stack;
      t.teardown(async () => {
        await stack.stop({ keepFiles: !t.passed });
        if (!t.passed) t.log(`model files kept in ${model.dir}`);
        const left = model.network.leftovers();
        if (left.length > 0) throw new Error(`left behind: ${left.join(' ')}`);
      });
      for (const d of stack.deployments) await model.deploymentDone(d, 120000);
      const redis = model.tasks('/redis-zk/redis');
      const sentinels = model.tasks('/redis-zk/sentinel');
      t.is(new Set(redis.map((x) => x.agent.id)).size, 3, 'redis: one per agent');
      t.is(new Set(sentinels.map((x) => x.agent.id)).size, 3, 'sentinel: one per agent');
      for (const x of redis) {
        t.regex(fs.readFileSync(path.join(x.sandbox, 'stdout'), 'utf8'), /"source":"HOST".*"msg":"bind address chosen"/);
        t.is(x.env.HOST, PLATFORMS[platform].hostIsName ? x.agent.name : x.agent.ns.ip, 'HOST as the platform gives it');
        t.false('LIBPROCESS_IP' in x.env, 'a Docker task gets no LIBPROCESS_IP');
        if (PLATFORMS[platform].ports === DCOS_PORTS) t.true(x.hostPorts.every((p) => p !== 8080 && p !== 8181 && p !== 2181));
        else t.true(x.hostPorts.every((p) => p >= 31000 && p <= 32000));
      }

      // ZooKeeper (master.mesos:2181 in the definitions) names a master at an agent's address.
      const zk = new ZkClient({
        connectString: `127.0.0.1:${await model.infraProbe.forward(stack.zk.host, stack.zk.port)}`,
        sessionTimeoutMs: 10000,
        log: pino({ level: 'silent' }),
      });
      t.teardown(() => zk.close());
      await zk.waitConnected(20000);
      const dir = new Directory(zk, '/redis', pino({ level: 'silent' }));
      const master = (await waitFor('a master in ZooKeeper', () => dir.readMaster('mymaster'), 30000)).raw;
      t.true(
        redis.some((x) => `${x.agent.ns.ip}:${x.hostPorts[0]}` === master),
        `${master} is a redis task's HOST:PORT0`,
      );

      const watchers = model.tasks('/redis-zk/watcher');
      t.is(watchers.length, 2);
      const expected = sentinels.map((x) => `${x.agent.ns.ip}:${x.hostPorts[0]}`).sort();
      for (const w of watchers) {
        t.not(w.hostPorts[0], 8080);
        const list = await waitFor(
          'the watcher to list every sentinel',
          async () => {
            const r = await model.infraProbe.http(`http://${w.agent.ns.ip}:${w.hostPorts[0]}/sentinels`, 5000);
            const body = r.status === 200 ? (JSON.parse(r.body) as Array<{ host: string; port: number }>) : [];
            return body.length === expected.length ? body : undefined;
          },
          30000,
          250,
        );
        t.deepEqual(list.map((x) => `${x.host}:${x.port}`).sort(), expected);
      }
    });
}
