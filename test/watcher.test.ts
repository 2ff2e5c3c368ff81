import { portOf } from '../packages/local-stack/src/harness';
import { FAST_SENTINEL } from '../packages/local-stack/src/harness';
import test from 'ava';
import Redis from 'ioredis';
import { type Deployment, TestEnv } from './helpers/env';
import { ask, sentinelMaster } from './helpers/sentinel';
import { firstSentinelSwitch } from './helpers/failovers';
import { sleep, waitFor } from './helpers/wait';
import { TEST_PASSWORD } from './helpers/secrets';

async function killMaster(d: Deployment, master = d.master): Promise<number> {
  const task = d.redis.find((r) => r.address === master)!;
  task.proc.killGroup('SIGKILL');
  await task.proc.exited;
  return Date.now();
}

async function zkMaster(d: Deployment): Promise<string | undefined> {
  return (await d.dir.readMaster(d.name).catch(() => null))?.raw;
}

/** Waits until ZooKeeper names a live redis task other than `old`; returns it and when it was seen. */
async function waitForNewMaster(env: TestEnv, d: Deployment, old: string, timeoutMs = 30000) {
  const address = await waitFor(
    `ZooKeeper to move off ${old}`,
    async () => {
      const m = await zkMaster(d);
      return m && m !== old ? m : undefined;
    },
    timeoutMs,
    20,
  );
  const seen = Date.now();
  await env.waitForRole(portOf(address), 'master');
  return { address, seen };
}

test('kill -9 the master: ZooKeeper names the promoted replica; /masters follows', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy();
  const killed = await killMaster(d);
  const { address, seen } = await waitForNewMaster(env, d, d.master);
  t.true(d.redis.some((r) => r.address === address));
  t.log(`kill -> ZooKeeper updated: ${seen - killed} ms (down-after 2000 ms)`);
  const body = await waitFor('/masters to follow', async () => {
    const m = (await (await fetch(`http://127.0.0.1:${d.watchers[0]!.port}/masters`)).json()) as Record<string, { host: string; port: number }>;
    return `${m.mymaster?.host}:${m.mymaster?.port}` === address ? m : undefined;
  });
  t.deepEqual(body.mymaster, { host: '127.0.0.1', port: portOf(address) });
  t.is((await d.dir.zk.getData(d.dir.paths.legacyMaster))?.data.toString(), address);
  t.true(Number((await d.dir.zk.getData(d.dir.paths.epoch('mymaster')))?.data.toString()) >= 1, 'epoch recorded');
  // The leader's +promoted-slave (the moment Sentinel's clients get the new master), not the
  // +switch-master that follows it, put the master in ZooKeeper.
  const reports = d.watchers[0]!.proc.log()
    .split('\n')
    .filter((l) => l.includes('"failover reported by Sentinel"'));
  t.is(reports.length, 1, 'one failover, reported once');
  t.regex(reports[0] ?? '', /"reason":"\+promoted-slave"/);
});

test('the sentinel the watcher follows is killed: the next failover still reaches ZooKeeper', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy();
  const health = async () =>
    (await (await fetch(`http://127.0.0.1:${d.watchers[0]!.port}/health`)).json()) as { following: { host: string; port: number } | null };
  const followed = (await health()).following!;
  const victim = d.sentinels.find((s) => s.port === followed.port)!;
  victim.proc.killGroup('SIGKILL');
  const moved = await waitFor(
    'the watcher to follow another sentinel',
    async () => {
      const f = (await health()).following;
      return f && f.port !== followed.port ? f : undefined;
    },
    10000,
    50,
  );
  t.not(moved.port, victim.port);
  const killed = await killMaster(d);
  const { address, seen } = await waitForNewMaster(env, d, d.master);
  t.log(`kill -> ZooKeeper updated with 2 of 3 sentinels: ${seen - killed} ms`);
  t.not(address, d.master);
});

test('watcher stopped, failover, watcher started: ZooKeeper is fixed right after start', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy();
  const watcher = d.watchers[0]!;
  await watcher.proc.stop();
  await killMaster(d);
  const promoted = (await firstSentinelSwitch(d.sentinels, 'mymaster', d.master)).address;
  await env.waitForRole(portOf(promoted), 'master');
  await sleep(500);
  t.is(await zkMaster(d), d.master, 'nobody updated ZooKeeper while the watcher was down');
  const started = Date.now();
  await env.start('watcher');
  await waitFor('ZooKeeper fixed', async () => (await zkMaster(d)) === promoted, 15000, 20);
  t.log(`watcher start -> ZooKeeper fixed: ${Date.now() - started} ms (includes Node start-up)`);
});

test('two watchers stay consistent across failovers', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 2 });
  let master = d.master;
  for (let round = 1; round <= 2; round += 1) {
    await killMaster(d, master);
    const { address } = await waitForNewMaster(env, d, master);
    master = address;
    // ZooKeeper names the new master from the leader's +promoted-slave, before Sentinel has
    // reconfigured the replicas and told the other sentinels: let that failover end before the
    // next kill (a second failure in mid-failover is Sentinel's to sort out, slowly).
    await waitFor(
      'every sentinel to have finished the failover',
      async () => {
        const views = await Promise.all(d.sentinels.map((s) => sentinelMaster(s.port, 'mymaster')));
        return views.every((m) => m && `${m.get('ip')}:${m.get('port')}` === master && !(m.get('flags') ?? '').includes('failover'));
      },
      30000,
      100,
    );
    // Replace the killed task as Marathon would, so the next round has a replica to promote.
    await env.start('redis-wrapper');
    for (const w of d.watchers) {
      await waitFor(`watcher ${w.port} to agree`, async () => {
        const m = (await (await fetch(`http://127.0.0.1:${w.port}/master`)).json()) as { host: string; port: number };
        return `${m.host}:${m.port}` === master;
      });
    }
    await waitFor(
      'sentinels to know the new replica',
      async () => Number((await sentinelMaster(d.sentinels[0]!.port, 'mymaster'))?.get('num-slaves')) >= 2,
      30000,
      200,
    );
  }
  await sleep(1000);
  t.is(await zkMaster(d), master, 'ZooKeeper stays on the newest master');
});

test('ZooKeeper stopped during a failover: fixed as soon as it returns', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy();
  await env.zk.stop();
  await killMaster(d);
  const promoted = (await firstSentinelSwitch(d.sentinels, 'mymaster', d.master)).address;
  await d.watchers[0]!.proc.waitForLog(/ZooKeeper unavailable; the new master is written when it is back/, 10000);
  t.true(d.watchers[0]!.proc.running);
  await env.zk.resume();
  const back = Date.now();
  await waitFor('ZooKeeper fixed', async () => (await zkMaster(d)) === promoted, 30000, 20);
  t.log(`ZooKeeper back -> master written: ${Date.now() - back} ms`);
});

test('a dead sentinel is forgotten by the others (SENTINEL RESET, one at a time)', async (t) => {
  const env = await TestEnv.create(t);
  // The sentinel-wrappers forget dead peers themselves after the same grace (restarting their
  // Sentinel: test/chaos/sentinel-churn.test.ts); theirs is long here, so the watcher's reset is what is seen.
  const sentinelGrace = { SENTINEL_CLEANUP_GRACE_MS: '600000', ZK_SESSION_TIMEOUT_MS: '2000' };
  const d = await env.deploy({ sentinels: 3, watchers: 0, env: sentinelGrace });
  const watcher = await env.start('watcher', { SENTINEL_CLEANUP_GRACE_MS: '1000', ZK_SESSION_TIMEOUT_MS: '2000' });
  const victim = d.sentinels[2]!;
  victim.proc.killGroup('SIGKILL');
  // Marathon replaces the task: with quorum 2, a reset is only safe once 3 sentinels run again.
  const replacement = await env.start('sentinel-wrapper', { ...FAST_SENTINEL, ...sentinelGrace });
  const survivors = [...d.sentinels.slice(0, 2), replacement];
  for (const s of survivors) {
    await waitFor(
      `${s.port} to forget the dead sentinel`,
      async () => {
        const peers = (await ask(s.port, 'SENTINEL', 'SENTINELS', 'mymaster')) as string[][];
        return peers.length === 2 && !peers.some((p) => p.includes(String(victim.port)));
      },
      90000,
      250,
    );
  }
  await watcher.proc.waitForLog(/SENTINEL RESET sent/);
  for (const s of survivors) {
    await waitFor('replicas rediscovered', async () => Number((await sentinelMaster(s.port, 'mymaster'))?.get('num-slaves')) === 2, 30000, 250);
  }
  // A reset sentinel relearns its peers from their hello messages (every 2 s): quorum within moments.
  const quorum = await waitFor(
    'CKQUORUM OK',
    async () => {
      const r = String(await ask(survivors[0]!.port, 'SENTINEL', 'CKQUORUM', 'mymaster').catch((err) => String(err)));
      return /^OK/.test(r) ? r : undefined;
    },
    20000,
    250,
  );
  t.regex(quorum, /^OK/);
});

test('HTTP endpoints on a live deployment', async (t) => {
  const env = await TestEnv.create(t);
  const password = TEST_PASSWORD;
  const d = await env.deploy();
  const base = `http://127.0.0.1:${d.watchers[0]!.port}`;
  const get = async (path: string) => {
    const r = await fetch(base + path);
    return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
  };

  const sentinels = await get('/sentinels');
  t.is(sentinels.status, 200);
  t.regex(sentinels.type ?? '', /application\/json/);
  // In address order, as served (clients ask in list order; the switchover's leader is the last).
  t.deepEqual(
    JSON.parse(sentinels.text),
    d.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })).sort((a, b) => a.port - b.port),
  );
  t.deepEqual(JSON.parse((await get('/masters')).text), { mymaster: { host: '127.0.0.1', port: portOf(d.master) } });
  t.deepEqual(JSON.parse((await get('/masters/mymaster')).text), { host: '127.0.0.1', port: portOf(d.master) });
  t.is((await get('/masters/nope')).status, 404);
  t.deepEqual(JSON.parse((await get('/master')).text), { host: '127.0.0.1', port: portOf(d.master) });
  const m = env.redis(portOf(d.master), { password });
  await m.set('a', '1');
  await m.set('b', '2');
  const status = await waitFor('status with replicas and keys', async () => {
    const s = JSON.parse((await get('/status')).text);
    return s.mymaster?.replicas?.length === 2 && s.mymaster.keys === 2 ? s : undefined;
  });
  t.deepEqual(status.mymaster.master, { host: '127.0.0.1', port: portOf(d.master) });
  t.true(status.mymaster.masterReachable);
  t.deepEqual(status.mymaster.problems, [], 'a healthy set has no problem');
  t.is(status.mymaster.sentinels.length, 3);
  for (const r of status.mymaster.replicas) t.is(r.linkStatus, 'up');
  t.false((await get('/status')).text.includes(password), 'no password in /status');
  t.is((await get('/health')).status, 200);
  const metrics = await get('/metrics');
  t.regex(metrics.text, /redis_zk_sentinels_known 3/);
  t.regex(metrics.text, /redis_zk_zookeeper_connected 1/);
  t.regex(metrics.text, /redis_zk_set_master_up\{set="mymaster"\} 1/);
  t.regex(metrics.text, /redis_zk_set_problems\{set="mymaster",kind="orphaned-replica"\} 0/);
  t.is((await get('/nope')).status, 404);
  t.is((await fetch(`${base}/sentinels`, { method: 'POST' })).status, 405);

  await env.zk.stop();
  await waitFor('/health to report ZooKeeper', async () => (await get('/health')).status === 503, 20000);
  t.regex((await get('/health')).text, /ZooKeeper/);
  t.is((await get('/sentinels')).status, 200, 'discovery keeps answering from memory');
});

test('an ioredis client built from /sentinels keeps writing across a failover', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy();
  const sentinels = (await (await fetch(`http://127.0.0.1:${d.watchers[0]!.port}/sentinels`)).json()) as Array<{ host: string; port: number }>;
  const client = new Redis({
    sentinels,
    name: 'mymaster',
    password: TEST_PASSWORD,
    sentinelPassword: TEST_PASSWORD,
    sentinelRetryStrategy: () => 100,
    retryStrategy: () => 100,
  });
  client.on('error', () => undefined);
  t.teardown(() => client.disconnect());
  let ok = 0;
  let failed = 0;
  let stop = false;
  const writer = (async () => {
    for (let i = 0; !stop; i += 1) {
      try {
        await client.set(`k${i}`, String(i));
        ok += 1;
      } catch {
        failed += 1;
        await sleep(50);
      }
      await sleep(5);
    }
  })();
  await waitFor('some writes', () => ok > 20);
  const before = ok;
  await killMaster(d);
  await waitForNewMaster(env, d, d.master);
  await waitFor('writes after the failover', () => ok > before + 50, 30000);
  stop = true;
  await writer;
  t.log(`writes ok ${ok}, failed during the failover ${failed}`);
  t.true(ok > before + 50);
});
