import fs from 'node:fs';
import path from 'node:path';
import { portOf } from '../packages/local-stack/src/harness';
import test, { type ExecutionContext } from 'ava';
import Redis from 'ioredis';
import { deploymentAcl, sameAcl } from '../packages/core/src/zk/acl';
import { isNoAuth, type ZkClient } from '../packages/core/src/zk/client';
import type { Directory } from '../packages/core/src/zk/directory';
import { childPids } from './helpers/chaos';
import { type Deployment, FAST_SENTINEL, TestEnv } from './helpers/env';
import { OPEN_MODE, TEST_PASSWORD, TEST_ZK_SECRET, TEST_ZK_USER } from './helpers/secrets';
import { waitFor } from './helpers/wait';

/**
 * Secure by default (issue 16), against real servers: passwords on redis and Sentinel,
 * ZooKeeper ACLs (and the upgrade from an open deployment), and secrets kept out of every place
 * they could leak. TLS is in tls.test.ts, refusals at start in config-exit.test.ts.
 */

/** PING with a client of its own: the reply, or the error (ioredis 6 reports NOAUTH as an 'error' of its HELLO). */
async function ping(port: number, password?: string): Promise<string> {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    password,
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    enableReadyCheck: false,
  });
  let reported = '';
  r.on('error', (err: Error) => {
    reported = err.message;
  });
  try {
    await r.connect();
    return String(await r.ping());
  } catch (err) {
    return `${String(err)} ${reported}`;
  } finally {
    r.disconnect();
  }
}

/** Every path under `root` (root included). */
/**
 * Whether each node under `root` carries the deployment's ACL; a node gone between listing and
 * reading (an ephemeral registration) is left out.
 */
async function aclsOf(dir: Directory, root: string): Promise<Map<string, boolean>> {
  const acl = deploymentAcl({ user: TEST_ZK_USER, password: TEST_ZK_SECRET });
  const out = new Map<string, boolean>();
  for (const node of await tree(dir.zk, root)) {
    const nodeAcl = await dir.zk.getAcl(node);
    if (nodeAcl) out.set(node, sameAcl(nodeAcl, acl));
  }
  return out;
}

async function tree(zk: ZkClient, root: string): Promise<string[]> {
  const children = await zk.getChildren(root).catch(() => [] as string[]);
  const below = await Promise.all(children.map((c) => tree(zk, `${root === '/' ? '' : root}/${c}`)));
  return [root, ...below.flat()];
}

/** What an anonymous ZooKeeper client may do to the deployment's nodes: read, and nothing else. */
async function assertAnonymousReadOnly(t: ExecutionContext, env: TestEnv, d: Deployment): Promise<void> {
  const anonymous = await env.directory({ anonymous: true });
  const zk = anonymous.zk;
  t.is((await anonymous.readMaster(d.name))?.raw, (await d.dir.readMaster(d.name))?.raw, 'anyone can read the master');
  t.is((await anonymous.listSentinels()).length, d.sentinels.length, 'anyone can read the sentinels');
  const sentinel = anonymous.sentinelPath((await anonymous.listSentinels())[0]!.id);
  const attempts: Array<[string, () => Promise<unknown>]> = [
    ['create a rogue sentinel', () => zk.create(`${anonymous.paths.sentinels}/rogue`, '10.6.6.6:26379')],
    ['create a master for a new set', () => zk.create(anonymous.paths.master('evil'), '10.6.6.6:6379')],
    ['move the master', () => zk.setData(anonymous.paths.master(d.name), '10.6.6.6:6379')],
    ['move the legacy master', () => zk.setData(anonymous.paths.legacyMaster, '10.6.6.6:6379')],
    ['rewrite a sentinel registration', () => zk.setData(sentinel, '10.6.6.6:26379')],
    ['delete a sentinel registration', () => zk.remove(sentinel)],
    ['delete the epoch', () => zk.remove(anonymous.paths.epoch(d.name))],
    ['take the election lock', () => zk.create(`${anonymous.paths.electionLock(d.name)}/lock-x-`, '{}')],
    ['change an ACL', () => zk.setAcl(anonymous.paths.masters, deploymentAcl(undefined))],
  ];
  for (const [what, attempt] of attempts) {
    const err = await attempt().then(
      () => null,
      (e: unknown) => e,
    );
    t.true(isNoAuth(err), `an anonymous client cannot ${what} (got ${String(err)})`);
  }
}

test('NOAUTH: redis and Sentinel answer nothing without the password, and Sentinel may have its own', async (t) => {
  const env = await TestEnv.create(t);
  // Sentinel's password differs from redis's: the sentinels must use each where it belongs
  // (auth-pass to redis, sentinel-pass to each other), and so must the wrappers and the watcher.
  const redisPassword = `redis-only-${TEST_PASSWORD}`;
  const d = await env.deploy({ env: { REDIS_PASSWORD: redisPassword, SENTINEL_PASSWORD: TEST_PASSWORD } });
  const master = portOf(d.master);
  const replica = d.redis.find((r) => r.address !== d.master)!.port;
  for (const port of [master, replica]) {
    t.regex(await ping(port), /NOAUTH/, 'redis without a password');
    t.regex(await ping(port, 'wrong'), /WRONGPASS/, 'redis with a wrong password');
    t.is(await ping(port, redisPassword), 'PONG');
  }
  for (const s of d.sentinels) {
    t.regex(await ping(s.port), /NOAUTH/, 'Sentinel without a password');
    t.regex(await ping(s.port, redisPassword), /WRONGPASS/, "Sentinel does not take redis's password");
    t.is(await ping(s.port, TEST_PASSWORD), 'PONG');
  }
  // With the passwords apart, a failover still goes all the way: sentinels agree (sentinel-pass),
  // reconfigure redis (auth-pass), and the watcher follows them into ZooKeeper.
  d.redis.find((r) => r.address === d.master)!.proc.killGroup('SIGKILL');
  const promoted = await waitFor(
    'ZooKeeper to name the promoted replica',
    async () => {
      const m = (await d.dir.readMaster(d.name))?.raw;
      return m && m !== d.master ? m : undefined;
    },
    30000,
  );
  t.is(await ping(portOf(promoted), redisPassword), 'PONG');
  t.is((await fetch(`http://127.0.0.1:${d.watchers[0]!.port}/health`)).status, 200);
});

// The anonymous client reads masters and sentinels; the deployment keeps working.
test('ZooKeeper: every node carries the ACL; an anonymous client creates, changes and deletes nothing (ALLOW_ANONYMOUS_ZK=yes too: with ZK_AUTH set it changes nothing)', async (t) => {
  const env = await TestEnv.create(t);
  // The waiver only allows a missing ZK_AUTH: given the credentials, the ACLs apply whatever it says.
  const d = await env.deploy({ env: { ALLOW_ANONYMOUS_ZK: 'yes' } });
  const checked = await aclsOf(d.dir, env.root);
  t.true(checked.has(d.dir.paths.master('mymaster')) && checked.has(d.dir.paths.sentinels), 'the set and its sentinels were checked');
  t.deepEqual(
    [...checked].filter(([, ok]) => !ok).map(([node]) => node),
    [],
    "every node carries the deployment's ACL",
  );
  await assertAnonymousReadOnly(t, env, d);
  // The deployment, authenticated, still writes: a failover reaches ZooKeeper.
  d.redis.find((r) => r.address === d.master)!.proc.killGroup('SIGKILL');
  await waitFor(
    'ZooKeeper to name the promoted replica',
    async () => {
      const m = (await d.dir.readMaster(d.name))?.raw;
      return m && m !== d.master ? m : undefined;
    },
    30000,
  );
  await assertAnonymousReadOnly(t, env, d);
});

test('upgrade from an open deployment: its nodes are brought under the ACL when a program starts with ZK_AUTH', async (t) => {
  const env = await TestEnv.create(t);
  const open = { ZK_AUTH: '', ALLOW_ANONYMOUS_ZK: 'yes' };
  const d = await env.deploy({ redis: 2, sentinels: 1, watchers: 0, env: open });
  const anonymous = await env.directory({ anonymous: true });
  await anonymous.zk.setData(anonymous.paths.legacyMaster, d.master);
  t.pass('before: anyone may write');
  d.redis[0]!.proc.expectLogged(t, /ZooKeeper nodes are open: anyone who reaches ZooKeeper can rewrite discovery/, 'the open deployment warned');

  const watcher = await env.start('watcher', FAST_SENTINEL);
  await watcher.proc.waitForLog(/brought existing ZooKeeper nodes under the ACL/, 20000);
  const checked = await aclsOf(d.dir, env.root);
  t.true(checked.has(d.dir.paths.master('mymaster')), 'the set was checked');
  t.deepEqual(
    [...checked].filter(([, ok]) => !ok).map(([node]) => node),
    [],
    'every node, made without ZK_AUTH, now carries the ACL',
  );
  const refused = await anonymous.zk.setData(anonymous.paths.legacyMaster, '10.6.6.6:6379').then(
    () => null,
    (e: unknown) => e,
  );
  t.true(isNoAuth(refused), 'after: an anonymous write is refused');
  // A node started with the credentials joins: it registers under the secured tree.
  const joined = await env.start('redis-wrapper');
  await waitFor('the new node registered', async () => (await d.dir.listNodes(d.name)).some((n) => n.address.port === joined.port), 30000);
  await env.waitForRole(joined.port, 'slave');
});

test('ALLOW_EMPTY_PASSWORD=yes and ALLOW_ANONYMOUS_ZK=yes: the waivers run without a password and ZooKeeper credentials, and say ZooKeeper is open', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ redis: 1, sentinels: 0, watchers: 0, env: OPEN_MODE });
  t.is(await ping(portOf(d.master)), 'PONG');
  d.redis[0]!.proc.expectLogged(t, /ZooKeeper nodes are open/);
});

/** Every file under `dir` whose bytes contain one of `needles`, with its mode. */
function filesContaining(dir: string, needles: readonly string[]): Array<{ file: string; mode: number }> {
  const out: Array<{ file: string; mode: number }> = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const bytes = fs.readFileSync(file);
    if (needles.some((n) => bytes.includes(n))) out.push({ file, mode: fs.statSync(file).mode & 0o777 });
  }
  return out;
}

/** The command line of every process this user can see, with its pid. */
function commandLines(): Array<{ pid: string; cmdline: string }> {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        return [{ pid, cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') }];
      } catch {
        return []; // gone meanwhile
      }
    });
}

test('secrets stay secret: no password in any log, HTTP answer, metric, ZooKeeper node or command line; servers without secret variables and core dumps; the files that hold one are 0600', async (t) => {
  const env = await TestEnv.create(t);
  const secrets = [TEST_PASSWORD, TEST_ZK_SECRET];
  const found = (text: string | Buffer) => secrets.some((s) => text.includes(s));
  const d = await env.deploy({ watchers: 2 });
  // Give every code path a turn: a crash failover, then a planned stop of the new master (SIGTERM: switchover).
  d.redis.find((r) => r.address === d.master)!.proc.killGroup('SIGKILL');
  const promoted = await waitFor(
    'the promoted replica in ZooKeeper',
    async () => {
      const m = (await d.dir.readMaster(d.name))?.raw;
      return m && m !== d.master ? m : undefined;
    },
    30000,
  );

  for (const w of d.watchers) {
    for (const p of ['/sentinels', '/masters', '/masters/mymaster', '/master', '/status', '/health', '/metrics', '/nope', '/masters/x%00']) {
      const body = await (await fetch(`http://127.0.0.1:${w.port}${p}`)).text();
      t.false(found(body), `GET ${p} holds no secret`);
    }
  }
  for (const node of await tree(d.dir.zk, '/')) {
    const data = await d.dir.zk.getData(node).catch(() => null);
    if (data) t.false(found(data.data), `ZooKeeper node ${node} holds no secret`);
  }
  const leaking = commandLines().filter((p) => found(p.cmdline));
  t.deepEqual(leaking, [], 'no command line on the machine holds a secret');
  const servers = d.redis
    .concat(d.sentinels)
    .filter((x) => x.proc.running)
    .flatMap(childPids);
  t.true(servers.length >= 5, `servers found: ${servers.join(', ')}`);
  for (const pid of servers) {
    const environ = fs.readFileSync(`/proc/${pid}/environ`);
    t.false(found(environ), `redis-server/sentinel ${pid} was started without the secrets in its environment`);
    t.false(/(^|\0)(REDIS_PASSWORD|SENTINEL_PASSWORD|ZK_AUTH)=/.test(environ.toString()), `redis-server/sentinel ${pid}: not even the names`);
    // A core dump holds the server's whole memory, passwords and data: none is ever written.
    t.regex(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'), /^Max core file size\s+0\s+0\s+bytes/m, `redis-server/sentinel ${pid}: core dumps off`);
    t.regex(fs.readFileSync(`/proc/${pid}/comm`, 'utf8'), /^(redis|valkey)-/, `pid ${pid} is the server itself (the shell exec'd it)`);
  }

  await d.redis.find((r) => r.address === promoted)!.proc.stop(20000);
  await env.stopProcesses();
  const holders = filesContaining(env.dir, secrets);
  t.true(
    holders.some((h) => h.file.endsWith('redis.generated.conf')) && holders.some((h) => h.file.endsWith('sentinel.generated.conf')),
    JSON.stringify(holders),
  );
  for (const h of holders) {
    t.is(h.mode, 0o600, `${h.file} holds a secret: mode 0600`);
    t.regex(path.basename(h.file), /\.generated\.conf$/, `${h.file}: only the generated configs hold a secret (never a log)`);
  }
});
