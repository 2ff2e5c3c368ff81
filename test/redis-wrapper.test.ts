import { portOf } from '../packages/local-stack/src/harness';
import test from 'ava';
import { TestEnv } from './helpers/env';
import { sleep, waitFor } from './helpers/wait';

test('3 wrappers: one master, two synced replicas, ZooKeeper agrees', async (t) => {
  const env = await TestEnv.create(t);
  const tasks = await Promise.all([1, 2, 3].map(() => env.start('redis-wrapper')));
  const dir = await env.directory();
  const master = await waitFor('a registered master', async () => (await dir.readMaster('mymaster'))?.raw);
  t.true(tasks.some((x) => x.address === master));
  // The test's own ZooKeeper reads are retried: on a loaded machine its client can see a CONNECTION_LOSS.
  const legacy = await waitFor('the legacy master read', async () => (await dir.zk.getData(dir.paths.legacyMaster))?.data.toString());
  t.is(legacy, master, 'legacy /redis/master mirrors mymaster');
  await waitFor('3 registered nodes', async () => (await dir.listNodes('mymaster')).length === 3);

  const m = env.redis(portOf(master));
  const replicas = tasks.filter((x) => x.address !== master);
  // min-replicas-to-write 1: the master takes writes once a replica is linked (registered is not enough).
  for (const task of replicas) await env.waitForRole(task.port, 'slave');
  await waitFor('a replica linked to the master', async () => /^slave\d+:.*state=online/m.test(await m.info('replication')));
  await m.set('k', 'v');
  for (const task of replicas) {
    const r = env.redis(task.port);
    await waitFor(`replica ${task.address} to have the key`, async () => (await r.get('k')) === 'v');
    const info = await r.info('replication');
    t.regex(info, new RegExp(`master_port:${portOf(master)}`));
    t.regex(info, /master_link_status:up/);
  }
  t.is((await m.info('replication')).match(/^slave\d+:/gm)?.length, 2);

  // A node joining a set with a live master decides without queueing on the election lock.
  const late = await env.start('redis-wrapper');
  await env.waitForRole(late.port, 'slave');
  late.proc.expectLogged(t, /"decision":"replicate"[^\n]*"locked":false[^\n]*"election decided"/);
  t.deepEqual(await waitFor('the election lock read', () => dir.zk.getChildren(dir.paths.electionLock('mymaster'))), [], 'no contender left on the lock');
});

test('20 wrappers started at once: exactly one master, every other a replica of it', async (t) => {
  const env = await TestEnv.create(t);
  const tasks = await Promise.all(Array.from({ length: 20 }, () => env.start('redis-wrapper', { MASTER_NAME: 'crowd' })));
  const dir = await env.directory();
  await waitFor('20 registered nodes', async () => (await dir.listNodes('crowd')).length === 20, 60000, 250);
  const master = (await dir.readMaster('crowd'))?.raw;
  const roles = await env.roles(tasks.map((x) => x.port));
  t.is(roles.filter((r) => r === 'master').length, 1);
  t.is(roles.filter((r) => r === 'slave').length, 19);
  t.is(roles[tasks.findIndex((x) => x.address === master)], 'master');
  t.false(await dir.zk.exists(dir.paths.legacyMaster), 'only mymaster is mirrored to /redis/master');
});

test('whole set killed, 3 new tasks on new ports: a new master replaces the stale one', async (t) => {
  const env = await TestEnv.create(t);
  const first = await Promise.all([1, 2, 3].map(() => env.start('redis-wrapper')));
  const dir = await env.directory();
  await waitFor('3 registered nodes', async () => (await dir.listNodes('mymaster')).length === 3);
  const stale = (await dir.readMaster('mymaster'))?.raw;
  for (const task of first) task.proc.killGroup('SIGKILL');
  await Promise.all(first.map((x) => x.proc.exited));

  const second = await Promise.all([1, 2, 3].map(() => env.start('redis-wrapper')));
  const fresh = await waitFor(
    'a new master in ZooKeeper',
    async () => {
      const m = (await dir.readMaster('mymaster'))?.raw;
      return m !== stale && second.some((x) => x.address === m) ? m : undefined;
    },
    30000,
  );
  const roles = await env.roles(second.map((x) => x.port));
  t.deepEqual(roles.sort(), ['master', 'slave', 'slave']);
  t.is(roles.length, 3);
  t.truthy(fresh);
});

test('master dies with replicas alive and no sentinel: a restarted wrapper never becomes a second master', async (t) => {
  const env = await TestEnv.create(t);
  const tasks = await Promise.all([1, 2, 3].map(() => env.start('redis-wrapper')));
  const dir = await env.directory();
  await waitFor('3 registered nodes', async () => (await dir.listNodes('mymaster')).length === 3);
  const master = (await dir.readMaster('mymaster'))!.raw;
  const masterTask = tasks.find((x) => x.address === master)!;
  masterTask.proc.killGroup('SIGKILL');
  await masterTask.proc.exited;

  const late = await env.start('redis-wrapper', { MASTER_WAIT_TIMEOUT_MS: '4000' });
  const exit = await late.proc.exited;
  t.is(exit.code, 1, 'gives up (to be restarted) instead of electing itself');
  late.proc.expectLogged(t, /live replicas hold data|have no live master/);
  t.is(await env.role(late.port), undefined, 'its redis never started');
  const survivors = tasks.filter((x) => x !== masterTask);
  for (const s of survivors) t.is(await env.role(s.port), 'slave');
  t.is((await dir.readMaster('mymaster'))?.raw, master);
});

test('ZooKeeper stopped after start: redis keeps taking writes, wrappers stay up, registrations return', async (t) => {
  const env = await TestEnv.create(t);
  const tasks = await Promise.all([1, 2].map(() => env.start('redis-wrapper')));
  const dir = await env.directory();
  await waitFor('2 registered nodes', async () => (await dir.listNodes('mymaster')).length === 2);
  const master = env.redis(portOf((await dir.readMaster('mymaster'))!.raw));

  await env.zk.stop();
  for (let i = 0; i < 50; i += 1) {
    await master.set(`during-outage-${i}`, String(i));
    await sleep(100);
  }
  t.is(await master.get('during-outage-49'), '49');
  t.true(
    tasks.every((x) => x.proc.running),
    'no wrapper exited because of ZooKeeper',
  );

  await env.zk.resume();
  await waitFor('registrations after ZooKeeper returns', async () => (await dir.listNodes('mymaster').catch(() => [])).length === 2, 30000);
  t.true(tasks.every((x) => x.proc.running));
});

test('a ZooKeeper session expiry: the node registration is re-created', async (t) => {
  const env = await TestEnv.create(t);
  const task = await env.start('redis-wrapper', { ZK_SESSION_TIMEOUT_MS: '2000' });
  const dir = await env.directory();
  await waitFor('registered node', async () => (await dir.listNodes('mymaster')).length === 1);
  task.proc.kill('SIGSTOP'); // the wrapper only: redis keeps running, the session expires
  await waitFor('the registration to expire', async () => (await dir.listNodes('mymaster')).length === 0, 20000);
  task.proc.kill('SIGCONT');
  await waitFor('the registration to come back', async () => (await dir.listNodes('mymaster')).length === 1, 20000);
  await task.proc.waitForLog(/re-registered in ZooKeeper/);
  t.true(task.proc.running);
  // The new session authenticated again: it could create under the protected parent, with the ACL.
  const [node] = await dir.listNodes('mymaster');
  const acl = await dir.zk.getAcl(dir.nodePath('mymaster', node!.id));
  t.deepEqual(acl?.map((a) => a.id.scheme).sort(), ['digest', 'world']);
});

test('SIGTERM stops redis and the wrapper cleanly; redis dying makes the wrapper exit non-zero', async (t) => {
  const env = await TestEnv.create(t);
  const a = await env.start('redis-wrapper');
  await env.waitForRole(a.port, 'master');
  a.proc.kill('SIGTERM');
  t.is((await a.proc.exited).code, 0);
  t.is(await env.role(a.port), undefined, 'redis-server stopped with its wrapper');

  // The set had a master with data, so an empty node waits ELECTION_DATA_WAIT_MS (10 s) for it
  // first: at the default that wait alone took most of waitForLog's 15 s on a loaded CI host.
  const b = await env.start('redis-wrapper', { ELECTION_DATA_WAIT_MS: '500' });
  await b.proc.waitForLog(/registered in ZooKeeper/); // fully started, not still waiting for PING
  const childPid = Number(/"childPid":(\d+)/.exec(b.proc.log())?.[1]);
  process.kill(childPid, 'SIGKILL');
  const exit = await b.proc.exited;
  t.not(exit.code, 0);
  b.proc.expectLogged(t, /redis-server died/);
});

test('REDIS_PASSWORD: replicas authenticate to the master, and the password is never logged', async (t) => {
  const env = await TestEnv.create(t);
  const password = 'Sup3r secret"pass';
  const tasks = await Promise.all([1, 2].map(() => env.start('redis-wrapper', { REDIS_PASSWORD: password })));
  const dir = await env.directory();
  await waitFor('2 registered nodes', async () => (await dir.listNodes('mymaster')).length === 2);
  const master = (await dir.readMaster('mymaster'))!.raw;
  const replica = tasks.find((x) => x.address !== master)!;
  const r = env.redis(replica.port, { password });
  await waitFor('replica link up', async () => /master_link_status:up/.test(await r.info('replication')));
  for (const task of tasks) t.false(task.proc.log().includes('secret'), 'password absent from the log');
});
