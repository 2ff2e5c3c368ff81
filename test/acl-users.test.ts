import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import Redis from 'ioredis';
import { portOf } from '../packages/local-stack/src/harness';
import { childPids } from './helpers/chaos';
import { cli } from './helpers/cli';
import { TestEnv } from './helpers/env';
import { ROOT } from './helpers/processes';
import { TEST_PASSWORD } from './helpers/secrets';
import { ask, sentinelMasterAddr } from './helpers/sentinel';
import { waitFor } from './helpers/wait';

/**
 * The least-privilege ACL users (issue 26 point 2) on real servers: a deployment with every user
 * configured replicates as the replication user, fails over (kill -9) and switches over
 * (`redis-zk switchover`) with Sentinel logged in as its own user; the application's user is
 * refused the administrative commands, the discovery user everything that changes Sentinel;
 * ioredis's and redis-py's Sentinel clients work with those two users.
 */

const secret = (what: string) => `${what}-${randomBytes(12).toString('hex')}`;
const USERS = {
  REPLICATION_PASSWORD: secret('repl'),
  SENTINEL_AUTH_PASSWORD: secret('sent'),
  APP_PASSWORD: secret('app'),
  DISCOVERY_PASSWORD: secret('disc'),
  APP_USER: 'shop',
};

/** Every client a test opens, closed in its teardown whatever happens. */
const opened: Redis[] = [];
const track = (r: Redis): Redis => {
  r.on('error', () => undefined);
  opened.push(r);
  return r;
};

/** A client of its own, as a user. */
const client = (port: number, username: string, password: string): Redis =>
  track(new Redis({ host: '127.0.0.1', port, username, password, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false }));
const reply = (p: Promise<unknown>): Promise<string> =>
  p.then(
    (v) => `ok ${JSON.stringify(v)}`,
    (e: unknown) => `error ${(e as Error).message}`,
  );

/** The lines of CLIENT LIST (as the administrator) whose fields match. */
async function clients(port: number, match: RegExp): Promise<string[]> {
  return String(await ask(port, 'CLIENT', 'LIST'))
    .split('\n')
    .filter((l) => match.test(l));
}

/** Waits for a SET through `r` to succeed, logging the last refusal if it never does. */
/** `r`: a client, or a function giving the client to use at each attempt. */
async function writes(t: ExecutionContext, r: Redis | (() => Redis), value: string, what: string): Promise<void> {
  let last = '';
  await waitFor(
    what,
    async () => {
      const answer = await reply((typeof r === 'function' ? r() : r).set('acl:written', value));
      last = answer;
      return answer === 'ok "OK"';
    },
    30000,
    100,
  ).catch((err: unknown) => {
    t.log(`last answer: ${last}`);
    throw err;
  });
}

const promotedFrom = (d: { dir: { readMaster(n: string): Promise<{ raw: string } | null> }; name: string }, old: string) =>
  waitFor(
    'ZooKeeper to name a new master',
    async () => {
      const m = (await d.dir.readMaster(d.name).catch(() => null))?.raw;
      return m && m !== old ? m : undefined;
    },
    30000,
  );

test('every ACL user configured: replication, kill -9 failover and switchover work; the app and discovery users get only theirs; ioredis and redis-py use them', async (t) => {
  t.teardown(() => {
    for (const r of opened) r.disconnect();
  });
  const env = await TestEnv.create(t);
  const d = await env.deploy({ env: USERS });
  const master = portOf(d.master);
  const replicas = d.redis.filter((r) => r.address !== d.master);

  // --- replication as the replication user, Sentinel as its own user ---------------------------
  await waitFor('both replicas online', async () => (await clients(master, /flags=S/)).length === 2, 20000);
  const replicaLinks = await clients(master, /flags=S/);
  t.true(
    replicaLinks.every((l) => / user=replication /.test(l)),
    replicaLinks.join('\n'),
  );
  for (const port of [master, ...replicas.map((r) => r.port)]) {
    const links = await clients(port, / name=sentinel-/);
    t.true(links.length >= 3, `${port}: Sentinel's links`);
    t.true(
      links.every((l) => / user=sentinel /.test(l)),
      links.join('\n'),
    );
  }

  // --- the application's user ---------------------------------------------------------------
  const app = client(master, 'shop', USERS.APP_PASSWORD);
  t.is(await reply(app.set('acl:k', 'v')), 'ok "OK"');
  t.is(await reply(app.get('acl:k')), 'ok "v"');
  t.is(await reply(app.call('WAIT', '2', '2000')), 'ok 2', 'WAIT: both replicas have it');
  t.regex(await reply(app.info('replication')), /^ok "# Replication/, 'INFO (ioredis checks the role it was given with it)');
  const refused: Array<[string, string[]]> = [
    ['CONFIG', ['GET', 'port']],
    ['CONFIG', ['SET', 'maxmemory', '1']],
    ['REPLICAOF', ['NO', 'ONE']],
    ['SHUTDOWN', ['NOSAVE']],
    ['ACL', ['LIST']],
    ['ACL', ['SETUSER', 'x', 'on', '>x', '+@all']],
    ['DEBUG', ['SLEEP', '0']],
    ['MODULE', ['LIST']],
    ['FLUSHALL', []],
    ['CLIENT', ['KILL', 'TYPE', 'normal']],
  ];
  for (const [command, args] of refused) {
    t.regex(await reply(app.call(command, ...args)), /^error (NOPERM|ERR DEBUG command not allowed)/, `the app user: ${command} ${args.join(' ')}`);
    // Whatever redis answers first (DEBUG is off by default), the ACL itself refuses it.
    t.regex(String(await ask(master, 'ACL', 'DRYRUN', 'shop', command, ...args)), /no permissions/, `ACL DRYRUN ${command}`);
  }
  t.regex(await reply(app.eval("return redis.call('CONFIG', 'GET', 'port')", 0)), /^error/, 'nor from a script');
  app.disconnect();
  t.regex(await reply(client(master, 'discovery', USERS.DISCOVERY_PASSWORD).ping()), /WRONGPASS|^error/, 'the discovery user is no redis user');

  // --- the discovery user on Sentinel ---------------------------------------------------------
  const sentinelPort = d.sentinels[0]!.port;
  const disco = client(sentinelPort, 'discovery', USERS.DISCOVERY_PASSWORD);
  t.deepEqual(await disco.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster'), ['127.0.0.1', String(master)]);
  for (const sub of [['MASTERS'], ['MASTER', 'mymaster'], ['REPLICAS', 'mymaster'], ['SLAVES', 'mymaster'], ['SENTINELS', 'mymaster']])
    t.regex(await reply(disco.call('SENTINEL', ...sub)), /^ok \[/, `SENTINEL ${sub[0]}`);
  t.is(await reply(disco.call('PING')), 'ok "PONG"');
  for (const args of [
    ['MONITOR', 'evil', '127.0.0.1', '6666', '2'],
    ['REMOVE', 'mymaster'],
    ['SET', 'mymaster', 'quorum', '1'],
    ['FAILOVER', 'mymaster'],
    ['RESET', 'mymaster'],
    ['CONFIG', 'SET', 'resolve-hostnames', 'yes'],
    ['FLUSHCONFIG'],
  ])
    t.regex(await reply(disco.call('SENTINEL', ...args)), /^error NOPERM/, `the discovery user: SENTINEL ${args.join(' ')}`);
  t.regex(await reply(disco.call('PUBLISH', '__sentinel__:hello', 'x')), /^error NOPERM/, 'no PUBLISH: a forged hello would announce a sentinel');
  t.regex(await reply(disco.call('SHUTDOWN')), /^error NOPERM/);
  t.regex(await reply(disco.call('ACL', 'LIST')), /^error NOPERM/);
  disco.disconnect();
  t.regex(await reply(client(sentinelPort, 'shop', USERS.APP_PASSWORD).ping()), /WRONGPASS|^error/, 'the app user is no Sentinel user');
  t.is(await sentinelMasterAddr(sentinelPort, 'mymaster'), d.master, 'Sentinel still monitors the set as it was');

  // --- a set added at run time (SENTINEL MONITOR + SET): Sentinel logs in to it as its user too --
  const second = await env.start('redis-wrapper', { ...USERS, MASTER_NAME: 'second' });
  await waitFor('the sentinels to monitor the set added at run time', async () => (await sentinelMasterAddr(sentinelPort, 'second')) === second.address, 30000);
  await waitFor("Sentinel's links to the new set", async () => (await clients(second.port, / name=sentinel-/)).length >= 3, 20000);
  const secondLinks = await clients(second.port, / name=sentinel-/);
  t.true(
    secondLinks.every((l) => / user=sentinel /.test(l)),
    secondLinks.join('\n'),
  );

  // --- ioredis's Sentinel client with the app and discovery users, across a failover -----------
  const sentinels = (await (await fetch(`http://127.0.0.1:${d.watchers[0]!.port}/sentinels`)).json()) as Array<{ host: string; port: number }>;
  const sentinelOptions = {
    sentinels,
    name: 'mymaster',
    username: 'shop',
    password: USERS.APP_PASSWORD,
    sentinelUsername: 'discovery',
    sentinelPassword: USERS.DISCOVERY_PASSWORD,
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    retryStrategy: () => 100,
    sentinelRetryStrategy: () => 100,
  };
  // Two clients: one that finds the new master when its connection breaks, one that also follows
  // +switch-master (failoverDetector: a subscription of the discovery user on every sentinel).
  const ioredis = track(new Redis(sentinelOptions));
  let detecting = track(new Redis({ ...sentinelOptions, failoverDetector: true }));
  // ioredis 6.0.0 ends a client for good when +switch-master arrives while it is reconnecting
  // (its connector throws "Connection is closed"): a race of its own, whatever the users, which
  // may come at any moment of a failover (CI: during the writes after one). A new one then.
  const liveDetecting = () => {
    if (detecting.status === 'end') {
      t.log("ioredis's failover detector ended its client (its +switch-master race); a new one");
      detecting = track(new Redis({ ...sentinelOptions, failoverDetector: true }));
    }
    return detecting;
  };
  t.is(await ioredis.set('acl:ioredis', '1'), 'OK');
  t.is(await detecting.set('acl:detecting', '1'), 'OK');
  await waitFor(
    "the failover detector's subscriptions, as the discovery user, on every sentinel",
    async () => {
      for (const s of d.sentinels) if ((await clients(s.port, /(?=.* user=discovery )(?=.* cmd=subscribe )/)).length === 0) return false;
      return true;
    },
    10000,
  );
  t.true(Number(await ioredis.call('WAIT', '1', '1000')) >= 1, 'WAIT through the Sentinel client');

  // The examples, as a client runs them (docs/clients.md): ioredis and redis-py through the sentinels.
  const runExample = (cmd: string, file: string) =>
    spawnSync(cmd, [path.join(ROOT, 'examples', file)], {
      env: {
        PATH: process.env.PATH,
        WATCHER_URL: `http://127.0.0.1:${d.watchers[0]!.port}`,
        REDIS_USERNAME: 'shop',
        REDIS_PASSWORD: USERS.APP_PASSWORD,
        SENTINEL_USERNAME: 'discovery',
        SENTINEL_PASSWORD: USERS.DISCOVERY_PASSWORD,
      },
      encoding: 'utf8',
      timeout: 20000,
    });
  for (const [cmd, file, greeting] of [
    [process.execPath, 'ioredis-client.js', 'hello from ioredis'],
    ['/usr/bin/python3', 'redis_py_client.py', 'hello from redis-py'],
  ] as const) {
    const r = runExample(cmd, file);
    t.is(r.status, 0, `${file}: ${r.stderr}`);
    t.is(r.stdout.trim(), greeting, file);
  }

  // kill -9 of the master's task: Sentinel, logged in as its user, promotes a replica.
  d.redis.find((r) => r.address === d.master)!.proc.killGroup('SIGKILL');
  const promoted = await promotedFrom(d, d.master);
  await env.waitForRole(portOf(promoted), 'master');
  await waitFor(
    'the other replica to replicate the new master as the replication user',
    async () => (await clients(portOf(promoted), /flags=S/)).some((l) => / user=replication /.test(l)),
    30000,
  );
  await writes(t, ioredis, '2', 'ioredis writing to the new master');
  t.is(await ioredis.get('acl:written'), '2');
  await writes(t, liveDetecting, '2', 'the failover-detecting client writing to the new master');

  // A planned switchover through the CLI (the administrator: REDIS_PASSWORD).
  // Refused (exit 3) while Sentinel still ends the failover: asked again until it is over.
  let switched = await cli(env, 'switchover', 'mymaster');
  const until = Date.now() + 60000;
  while (switched.code === 3 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1000));
    switched = await cli(env, 'switchover', 'mymaster');
  }
  t.is(switched.code, 0, `${switched.out}\n${switched.err}`);
  const after = await promotedFrom(d, promoted);
  await env.waitForRole(portOf(after), 'master');
  await waitFor(
    'the old master to replicate the new one as the replication user',
    async () => (await clients(portOf(after), /flags=S/)).some((l) => / user=replication /.test(l)),
    30000,
  );
  await writes(t, ioredis, '3', 'ioredis writing after the switchover');
  // WAIT as the app user: the new master's replica acknowledges (asked again while it reconnects).
  await waitFor(
    'a replica to acknowledge a write (WAIT 1) after the switchover',
    async () => Number(await ioredis.call('WAIT', '1', '1000').catch(() => 0)) === 1,
    15000,
    200,
  );
  await writes(t, liveDetecting, '3', 'the failover-detecting client writing after the switchover');
  ioredis.disconnect();
  detecting.disconnect();

  // Never in an HTTP answer, a metric, a command line or a server's environment.
  const passwords = Object.entries(USERS)
    .filter(([n]) => n.endsWith('_PASSWORD'))
    .map(([, v]) => v);
  const leaks = (text: string | Buffer) => passwords.some((p) => text.includes(p));
  const urls = [
    ...d.watchers.flatMap((w) => ['/status', '/metrics', '/health', '/sentinels'].map((p) => `http://127.0.0.1:${w.port}${p}`)),
    ...d.redis.filter((r) => r.proc.running).flatMap((r) => ['/metrics', '/health'].map((p) => `http://127.0.0.1:${r.apiPort}${p}`)),
  ];
  for (const url of urls) t.false(leaks(await (await fetch(url)).text()), `GET ${url} holds no user's password`);
  for (const pid of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    const read = (f: string) => {
      try {
        return fs.readFileSync(`/proc/${pid}/${f}`);
      } catch {
        return Buffer.alloc(0); // gone, or not ours
      }
    };
    t.false(leaks(read('cmdline')), `no command line holds a user's password (pid ${pid})`);
  }
  const servers = [...d.redis, ...d.sentinels, second].filter((x) => x.proc.running).flatMap(childPids);
  t.true(servers.length >= 5, `servers: ${servers.join(', ')}`);
  for (const pid of servers) t.false(leaks(fs.readFileSync(`/proc/${pid}/environ`)), `server ${pid}: no user's password in its environment`);

  // The users' passwords: only the ones redis and Sentinel must present (masterauth, auth-pass)
  // are in clear, in the generated configs (0600); the others only as their SHA-256.
  await env.stopProcesses();
  for (const [name, value] of Object.entries(USERS).filter(([n]) => n.endsWith('_PASSWORD'))) {
    const holders: string[] = [];
    for (const entry of fs.readdirSync(env.dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      if (fs.readFileSync(file).includes(value)) holders.push(file);
    }
    const clear = name === 'REPLICATION_PASSWORD' || name === 'SENTINEL_AUTH_PASSWORD';
    if (!clear) t.deepEqual(holders, [], `${name} is in no file`);
    for (const h of holders) {
      t.regex(path.basename(h), /^(redis|sentinel)\.generated\.conf$/, `${name}: only in a generated config (${h})`);
      t.is(fs.statSync(h).mode & 0o777, 0o600, h);
    }
  }
  t.not(TEST_PASSWORD, USERS.APP_PASSWORD);
});
