import fs from 'node:fs';
import path from 'node:path';
import { portOf } from '../packages/local-stack/src/harness';
import { FAST_SENTINEL } from '../packages/local-stack/src/harness';
import test from 'ava';
import { TestEnv } from './helpers/env';
import { ask, sentinelMaster, sentinelMasterAddr } from './helpers/sentinel';
import { waitFor } from './helpers/wait';

test('sentinels started before any master wait, then monitor it with the given tuning; 3 reach quorum; base config survives', async (t) => {
  const env = await TestEnv.create(t);
  const base = path.join(env.dir, 'base-sentinel.conf');
  fs.writeFileSync(base, '# operator tuning\nsentinel resolve-hostnames yes\nsentinel deny-scripts-reconfig yes\n');
  const tuning = {
    SENTINEL_QUORUM: '2',
    SENTINEL_DOWN_AFTER_MS: '1234',
    SENTINEL_FAILOVER_TIMEOUT_MS: '23456',
    SENTINEL_PARALLEL_SYNCS: '2',
    SENTINEL_CONF: base,
  };
  const sentinels = await Promise.all([1, 2, 3].map(() => env.start('sentinel-wrapper', tuning)));
  await sentinels[0]!.proc.waitForLog(/waiting for a master/);
  t.true(sentinels.every((s) => s.proc.running));
  const dir = await env.directory();
  t.deepEqual(await dir.listSentinels(), [], 'no sentinel registers before it runs');

  const redis = await Promise.all([1, 2].map(() => env.start('redis-wrapper')));
  const master = await waitFor('master', async () => (await dir.readMaster('mymaster'))?.raw);
  t.true(redis.some((r) => r.address === master));

  await waitFor('3 registered sentinels', async () => (await dir.listSentinels()).length === 3, 20000);
  for (const s of sentinels) {
    const m = await waitFor('monitoring', () => sentinelMaster(s.port, 'mymaster'));
    t.is(`${m.get('ip')}:${m.get('port')}`, master);
    t.is(m.get('quorum'), '2');
    t.is(m.get('down-after-milliseconds'), '1234');
    t.is(m.get('failover-timeout'), '23456');
    t.is(m.get('parallel-syncs'), '2');
    const resolve = (await ask(s.port, 'SENTINEL', 'CONFIG', 'GET', 'resolve-hostnames')) as string[];
    t.is(resolve[1], 'yes', 'a base-config line is in force');
    t.regex(fs.readFileSync(path.join(s.dataDir, 'sentinel.generated.conf'), 'utf8'), /# operator tuning/);
  }
  const registered = (await dir.listSentinels()).map((m) => `${m.address.host}:${m.address.port}`).sort();
  t.deepEqual(registered, sentinels.map((s) => s.address).sort());
  const ckquorum = await waitFor(
    'CKQUORUM OK',
    async () => {
      const reply = String(await ask(sentinels[0]!.port, 'SENTINEL', 'CKQUORUM', 'mymaster').catch((e) => e));
      return /^OK/.test(reply) ? reply : undefined;
    },
    20000,
    250,
  );
  t.regex(ckquorum, /^OK \d+ usable Sentinels/);
});

test('a set registered later is monitored by running sentinels; MASTER_NAMES restricts', async (t) => {
  const env = await TestEnv.create(t);
  await env.start('redis-wrapper', { MASTER_NAME: 'first' });
  const dir = await env.directory();
  await waitFor('first master', () => dir.readMaster('first'));
  const all = await env.start('sentinel-wrapper');
  const onlyFirst = await env.start('sentinel-wrapper', { MASTER_NAMES: 'first,other' });
  await waitFor('monitoring first', () => sentinelMaster(all.port, 'first'));
  await waitFor('monitoring first', () => sentinelMaster(onlyFirst.port, 'first'));

  const second = await env.start('redis-wrapper', { MASTER_NAME: 'second' });
  await waitFor('second master', () => dir.readMaster('second'));
  t.is(await waitFor('second monitored at run time', () => sentinelMasterAddr(all.port, 'second')), second.address);
  t.is(await sentinelMaster(onlyFirst.port, 'second'), undefined, 'MASTER_NAMES leaves other sets alone');
  await all.proc.waitForLog(/monitoring new set/);
  t.true(all.proc.running && onlyFirst.proc.running);
});

test('registrations: a killed sentinel disappears, an expired session comes back, SIGTERM leaves first', async (t) => {
  const env = await TestEnv.create(t);
  await env.start('redis-wrapper');
  const dir = await env.directory();
  await waitFor('master', () => dir.readMaster('mymaster'));
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => env.start('sentinel-wrapper', { ZK_SESSION_TIMEOUT_MS: '2000' })));
  await waitFor('3 registered sentinels', async () => (await dir.listSentinels()).length === 3, 20000);
  const addresses = async () => (await dir.listSentinels()).map((m) => `${m.address.host}:${m.address.port}`).sort();

  a!.proc.killGroup('SIGKILL');
  await waitFor('the killed sentinel to be gone', async () => !(await addresses()).includes(a!.address), 20000);

  b!.proc.kill('SIGSTOP');
  await waitFor("the stopped wrapper's session to expire", async () => !(await addresses()).includes(b!.address), 20000);
  b!.proc.kill('SIGCONT');
  await waitFor('its registration to come back', async () => (await addresses()).includes(b!.address), 20000);

  c!.proc.kill('SIGTERM');
  const exit = await c!.proc.exited;
  t.is(exit.code, 0);
  t.false((await addresses()).includes(c!.address), 'deregistered by the time it exited');
  t.deepEqual(await addresses(), [b!.address]);
});

test('3 redis-wrappers + 3 sentinel-wrappers: kill -9 the master and a replica is promoted', async (t) => {
  const env = await TestEnv.create(t);
  const redis = await Promise.all([1, 2, 3].map(() => env.start('redis-wrapper')));
  const sentinels = await Promise.all([1, 2, 3].map(() => env.start('sentinel-wrapper', FAST_SENTINEL)));
  const dir = await env.directory();
  const master = (await waitFor('master', () => dir.readMaster('mymaster'))).raw;
  await waitFor('CKQUORUM OK', async () => /^OK/.test(String(await ask(sentinels[0]!.port, 'SENTINEL', 'CKQUORUM', 'mymaster').catch((e) => e))), 20000, 250);
  for (const r of redis.filter((x) => x.address !== master)) await env.waitForRole(r.port, 'slave');
  await waitFor('sentinels to know both replicas', async () => Number((await sentinelMaster(sentinels[0]!.port, 'mymaster'))?.get('num-slaves')) === 2);

  redis.find((x) => x.address === master)!.proc.killGroup('SIGKILL');
  const promoted = await waitFor(
    'a promoted replica',
    async () => {
      const addr = await sentinelMasterAddr(sentinels[0]!.port, 'mymaster');
      return addr !== master && addr ? addr : undefined;
    },
    30000,
    200,
  );
  t.true(redis.some((x) => x.address === promoted));
  await env.waitForRole(portOf(promoted), 'master');
  for (const s of sentinels)
    t.is(await waitFor('agreement', async () => ((await sentinelMasterAddr(s.port, 'mymaster')) === promoted ? promoted : undefined)), promoted);
});

test('stale ZooKeeper: a new sentinel asks the others and monitors the live master', async (t) => {
  const env = await TestEnv.create(t);
  const redis = await Promise.all([1, 2].map(() => env.start('redis-wrapper')));
  const dir = await env.directory();
  const master = (await waitFor('master', () => dir.readMaster('mymaster'))).raw;
  const first = await env.start('sentinel-wrapper');
  await waitFor('monitoring', () => sentinelMaster(first.port, 'mymaster'));
  // ZooKeeper is made to name a dead address, as if a failover had not reached it.
  await dir.zk.setData(dir.paths.master('mymaster'), '127.0.0.1:1');
  const late = await env.start('sentinel-wrapper');
  t.is(await waitFor('late sentinel monitoring', () => sentinelMasterAddr(late.port, 'mymaster')), master);
  await late.proc.waitForLog(/other sentinels agree on live master/);
  t.is(redis.length, 2);
});

test('whole set replaced: sentinels are re-pointed to the new master ZooKeeper names', async (t) => {
  const env = await TestEnv.create(t);
  const first = await Promise.all([1, 2].map(() => env.start('redis-wrapper')));
  const dir = await env.directory();
  await waitFor('master', () => dir.readMaster('mymaster'));
  const sentinels = await Promise.all([1, 2].map(() => env.start('sentinel-wrapper', { SENTINEL_DOWN_AFTER_MS: '60000' })));
  for (const s of sentinels) await waitFor('monitoring', () => sentinelMaster(s.port, 'mymaster'));

  for (const r of first) r.proc.killGroup('SIGKILL');
  await Promise.all(first.map((r) => r.proc.exited));
  const fresh = await env.start('redis-wrapper');
  await waitFor('the new master in ZooKeeper', async () => (await dir.readMaster('mymaster'))?.raw === fresh.address, 30000);
  for (const s of sentinels) {
    t.is(
      await waitFor('re-pointed', async () => ((await sentinelMasterAddr(s.port, 'mymaster')) === fresh.address ? fresh.address : undefined), 20000),
      fresh.address,
    );
    await s.proc.waitForLog(/re-pointed Sentinel/);
  }
});

test('no master within MASTER_WAIT_TIMEOUT_MS: exit 1 saying what it waited for', async (t) => {
  const env = await TestEnv.create(t);
  const s = await env.start('sentinel-wrapper', { MASTER_WAIT_TIMEOUT_MS: '1500', MASTER_NAMES: 'nothere' });
  const exit = await s.proc.exited;
  t.is(exit.code, 1);
  t.true(s.proc.log().includes(`waited 1500 ms (MASTER_WAIT_TIMEOUT_MS) for a master under ${env.root}/masters for MASTER_NAMES=nothere`));
});
