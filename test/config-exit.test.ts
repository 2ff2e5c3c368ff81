import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { PROGRAMS, programArgs, ROOT } from './helpers/processes';
import { freePort } from './helpers/ports';
import './helpers/exit-guard'; // fails this file if its worker outlives its tests

/** Runs a program with `env` and no ZooKeeper: bad configuration must be fatal before any I/O. */
function run(program: keyof typeof PROGRAMS, env: Record<string, string>) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-cfg-'));
  const started = Date.now();
  const r = spawnSync(process.execPath, programArgs(program), {
    cwd,
    env: {
      PATH: process.env.PATH,
      ZK_HOSTS: '127.0.0.1:1',
      BIND_IP: '127.0.0.1',
      MASTER_WAIT_TIMEOUT_MS: '2000',
      REDIS_PASSWORD: 'cfg-exit-pw',
      ZK_AUTH: 'cfg-exit:zk-secret-pw',
      ...env,
    },
    encoding: 'utf8',
    // Generous: these exit within a second on a quiet machine; a loaded one (CI) took over 10 s once.
    timeout: 30000,
  });
  fs.rmSync(cwd, { recursive: true, force: true });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, ms: Date.now() - started };
}

const bad: Array<[string, string]> = [
  ['PORT0', 'abc'],
  ['PORT0', '0'],
  ['PORT0', '70000'],
  ['ZK_HOSTS', 'nohost'],
  ['ZK_HOSTS', 'a:1,b'],
  ['ZK_ROOT', 'redis'],
  ['ZK_ROOT', '/redis/'],
  ['ZK_SESSION_TIMEOUT_MS', '10'],
  ['MASTER_NAME', 'bad name!'],
  ['BIND_IP', '999.1.1.1'],
  ['ANNOUNCE_IP', 'example host'],
  ['ANNOUNCE_PORT', '-1'],
  ['MASTER_WAIT_TIMEOUT_MS', '-5'],
  ['MASTER_WAIT_TIMEOUT_MS', 'soon'],
  ['LOG_LEVEL', 'loud'],
  ['REDIS_CONF', '/nonexistent/redis.conf'],
  ['ALLOW_EMPTY_PASSWORD', 'maybe'],
  ['REDIS_TLS_ENABLED', 'sure'],
  ['REDIS_TLS_AUTH_CLIENTS', 'always'],
  // Bounded at start (#26): a timer above 2^31-1 ms fires at once; no way out of ZK_ROOT or a set's node.
  ['MASTER_WAIT_TIMEOUT_MS', '2147483648'],
  ['SWITCHOVER_TIMEOUT_MS', '99999999999'],
  ['DATA_LOCK_WAIT_MS', '2147483648'],
  ['ZK_ROOT', '/redis/..'],
  ['ZK_ROOT', '/zookeeper'],
  ['ZK_HOSTS', '127.0.0.1:1/../x'],
  ['MASTER_NAME', '..'],
  ['MASTER_NAME', '*'],
  ['REDIS_MAXMEMORY', '999999999999999gb'],
];

for (const [name, value] of bad) {
  test(`redis-wrapper: ${name}=${JSON.stringify(value)} exits 1 naming it`, (t) => {
    const r = run('redis-wrapper', { [name]: value, REDIS_PASSWORD: 'hunter2-secret' });
    t.is(r.code, 1, r.out);
    t.true(r.out.includes(name), r.out);
    t.true(r.out.includes(JSON.stringify(value)), r.out);
    t.false(r.out.includes('hunter2-secret'), 'REDIS_PASSWORD is never printed');
    t.log(`exited in ${r.ms} ms`);
  });
}

const badSentinel: Array<[string, string]> = [
  ['SENTINEL_QUORUM', '0'],
  ['SENTINEL_QUORUM', 'abc'],
  ['SENTINEL_QUORUM', '1.5'],
  ['SENTINEL_QUORUM', '-2'],
  ['SENTINEL_DOWN_AFTER_MS', '0'],
  ['SENTINEL_FAILOVER_TIMEOUT_MS', 'x'],
  ['SENTINEL_PARALLEL_SYNCS', '0'],
  ['SENTINEL_INFO_PERIOD_MS', '20000'],
  ['MASTER_NAMES', 'a,b c'],
  ['PORT0', '65536'],
  ['SENTINEL_CONF', '/nonexistent/sentinel.conf'],
  ['SENTINEL_DOWN_AFTER_MS', '2147483648'],
  ['MASTER_NAMES', 'mymaster,*'],
  ['MASTER_NAMES', '..'],
];

for (const [name, value] of [
  ['RECONCILE_INTERVAL_MS', '2147483648'],
  ['SENTINEL_CLEANUP_GRACE_MS', '99999999999'],
  ['ZK_ROOT', '/a/../b'],
] as const) {
  test(`watcher: ${name}=${JSON.stringify(value)} exits 1 naming it`, (t) => {
    const r = run('watcher', { [name]: value, PORT0: '1' });
    t.is(r.code, 1, r.out);
    t.true(r.out.includes(`${name}=${JSON.stringify(value)}`), r.out);
  });
}

for (const [name, value] of badSentinel) {
  test(`sentinel-wrapper: ${name}=${JSON.stringify(value)} exits 1 naming it`, (t) => {
    const r = run('sentinel-wrapper', { [name]: value });
    t.is(r.code, 1, r.out);
    t.true(r.out.includes(`${name}=${JSON.stringify(value)}`), r.out);
  });
}

test('redis-wrapper: NET_IFACE naming no interface (and no BIND_IP) exits 1 naming it', (t) => {
  const r = run('redis-wrapper', { BIND_IP: '', NET_IFACE: 'nosuch0' });
  t.is(r.code, 1, r.out);
  t.regex(r.out, /NET_IFACE="nosuch0"/);
});

test('redis-wrapper and sentinel-wrapper outside Mesos with no address given (no HOST, LIBPROCESS_IP, NET_IFACE, BIND_IP) exit 1 saying what to set', (t) => {
  for (const program of ['redis-wrapper', 'sentinel-wrapper'] as const) {
    const r = run(program, { BIND_IP: '' });
    t.is(r.code, 1, r.out);
    t.regex(r.out, /no address to bind: neither HOST nor LIBPROCESS_IP is set \(not under Mesos\); set BIND_IP/);
  }
  const foreign = run('redis-wrapper', { BIND_IP: '', HOST: '203.0.113.9', LIBPROCESS_IP: '198.51.100.4' });
  t.is(foreign.code, 1, foreign.out);
  t.regex(foreign.out, /HOST="203.0.113.9" \(203.0.113.9\) is not an address of this host; LIBPROCESS_IP="198.51.100.4"/);
});

test('redis-wrapper and sentinel-wrapper: HOST resolving only to loopback with ZooKeeper on loopback too (a laptop without BIND_IP) exit 1 naming HOST', async (t) => {
  const zk = `127.0.0.1:${await freePort()}`;
  for (const program of ['redis-wrapper', 'sentinel-wrapper'] as const) {
    const r = run(program, { BIND_IP: '', HOST: 'localhost', ZK_HOSTS: zk });
    t.is(r.code, 1, r.out);
    t.regex(r.out, /no address other nodes can reach: HOST="localhost" resolves only to loopback/);
    t.regex(r.out, new RegExp(`the route to ZooKeeper \\(${zk.replace(/\./g, '\\.')}\\) leaves from 127\\.0\\.0\\.1, loopback too; set HOST`));
  }
  const literal = run('redis-wrapper', { BIND_IP: '', HOST: '127.0.0.1', ZK_HOSTS: zk });
  t.is(literal.code, 1, literal.out);
  t.regex(literal.out, /HOST="127\.0\.0\.1" is loopback/);
});

test('redis-wrapper: HOST resolving only to loopback binds and announces the source address of the route to ZooKeeper', async (t) => {
  const ours = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  if (!ours) return t.pass('no IPv4 address other than loopback on this machine: nothing to route from');
  const r = run('redis-wrapper', {
    BIND_IP: '',
    HOST: 'localhost',
    ZK_HOSTS: `${ours.address}:${await freePort()}`,
    PORT1: String(await freePort()),
    MASTER_WAIT_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'info',
  });
  const chosen = r.out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string; bind?: string; source?: string; node?: string })
    .find((l) => l.msg === 'bind address chosen');
  t.truthy(chosen, r.out);
  t.is(chosen?.source, 'ZK_ROUTE');
  t.true(chosen?.bind?.startsWith(`${ours.address}:`), r.out);
  t.true(chosen?.node?.startsWith(`${ours.address}:`), 'announced too');
  t.is(r.code, 1, 'then gives up on the unreachable ZooKeeper');
});

test('redis-wrapper: a task too small for data (MARATHON_APP_RESOURCE_MEM) exits 1 saying how much it needs', (t) => {
  const r = run('redis-wrapper', { MARATHON_APP_RESOURCE_MEM: '128.0' });
  t.is(r.code, 1, r.out);
  t.regex(r.out, /MARATHON_APP_RESOURCE_MEM=128 MB leaves no room for data/);
});

test('redis-wrapper: every bad variable is reported in one run', (t) => {
  const r = run('redis-wrapper', { PORT0: 'x', LOG_LEVEL: 'y', MASTER_NAME: 'a b' });
  t.is(r.code, 1);
  for (const name of ['PORT0', 'LOG_LEVEL', 'MASTER_NAME']) t.true(r.out.includes(name), r.out);
});

test('redis-wrapper: an unreachable ZooKeeper is fatal after MASTER_WAIT_TIMEOUT_MS, with a clear message', async (t) => {
  const r = run('redis-wrapper', { MASTER_WAIT_TIMEOUT_MS: '1000', PORT1: String(await freePort()) });
  t.is(r.code, 1, r.out);
  t.regex(r.out, /connecting to ZooKeeper at 127\.0\.0\.1:1: timed out after 1000 ms/);
});

test('.env in the working directory fills gaps; the real environment wins', (t) => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-dotenv-'));
  fs.writeFileSync(path.join(cwd, '.env'), 'PORT0=notaport\nLOG_LEVEL=alsobad\n');
  const r = spawnSync(process.execPath, programArgs('redis-wrapper'), {
    cwd,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', BIND_IP: '127.0.0.1', ZK_AUTH: 'cfg-exit:zk' },
    encoding: 'utf8',
    timeout: 30000,
  });
  fs.rmSync(cwd, { recursive: true, force: true });
  t.is(r.status, 1);
  t.regex(r.stderr, /PORT0="notaport"/, 'read from .env');
  t.notRegex(r.stderr, /LOG_LEVEL/, 'the real environment won over .env');
});

test('redis-wrapper: a PORT1 already in use is fatal at start, naming the address', async (t) => {
  const port = await freePort();
  const blocker = net.createServer().listen(port, '127.0.0.1');
  await new Promise((resolve) => blocker.once('listening', resolve));
  t.teardown(() => blocker.close());
  const r = run('redis-wrapper', { PORT1: String(port), MASTER_WAIT_TIMEOUT_MS: '1000' });
  t.is(r.code, 1, r.out);
  t.regex(r.out, new RegExp(`node API cannot listen on 127\\.0\\.0\\.1:${port}`));
});

// ---- secure by default ------------------------------------------------------------------------

for (const program of Object.keys(PROGRAMS) as Array<keyof typeof PROGRAMS>) {
  test(`${program}: no REDIS_PASSWORD and no ALLOW_EMPTY_PASSWORD: refuses to start, naming both`, (t) => {
    const r = run(program, { REDIS_PASSWORD: '' });
    t.is(r.code, 1, r.out);
    t.regex(r.out, /REDIS_PASSWORD is not set/);
    t.regex(r.out, /ALLOW_EMPTY_PASSWORD=yes/);
  });

  test(`${program}: ALLOW_EMPTY_PASSWORD=yes waives the password (it goes on to ZooKeeper)`, (t) => {
    // The wrappers then give up waiting for ZooKeeper; the watcher cannot listen on that address.
    const r = run(program, { REDIS_PASSWORD: '', ALLOW_EMPTY_PASSWORD: 'yes', MASTER_WAIT_TIMEOUT_MS: '500', HTTP_HOST: '256.0.0.1' });
    t.is(r.code, 1, r.out);
    t.notRegex(r.out, /REDIS_PASSWORD is not set/, r.out);
    t.notRegex(r.out, /ZK_AUTH is not set/, 'with ZK_AUTH, no word of open ZooKeeper nodes');
    t.notRegex(r.out, /^error:/m, 'past the configuration check');
  });

  test(`${program}: no ZK_HOSTS: refuses to start naming it (no default: never a silent localhost)`, (t) => {
    const r = run(program, { ZK_HOSTS: '', ZK_AUTH: '' });
    t.is(r.code, 1, r.out);
    t.regex(r.out, /^error: ZK_HOSTS is not set: give the ZooKeeper ensemble/m);
    t.regex(r.out, /^error: ZK_AUTH is not set/m, 'with every other problem, in one run');
    t.notRegex(r.out, /localhost:2181/);
  });

  test(`${program}: no ZK_AUTH and no ALLOW_ANONYMOUS_ZK: refuses to start, naming both, before any I/O`, (t) => {
    const r = run(program, { ZK_AUTH: '' });
    t.is(r.code, 1, r.out);
    t.regex(r.out, /^error: ZK_AUTH is not set: the ZooKeeper nodes would be open/m);
    t.regex(r.out, /ALLOW_ANONYMOUS_ZK=yes/);
    t.notRegex(r.out, /ZooKeeper at 127\.0\.0\.1:1/, 'refused before connecting');
    t.false(r.out.includes('cfg-exit-pw'), 'REDIS_PASSWORD is never printed');
  });

  test(`${program}: ALLOW_ANONYMOUS_ZK=yes waives ZK_AUTH (it goes on to ZooKeeper, warning that discovery is open)`, (t) => {
    const r = run(program, { ZK_AUTH: '', ALLOW_ANONYMOUS_ZK: 'yes', MASTER_WAIT_TIMEOUT_MS: '500', HTTP_HOST: '256.0.0.1' });
    t.is(r.code, 1, r.out);
    t.notRegex(r.out, /^error:/m, 'past the configuration check');
    t.regex(r.out, /ZK_AUTH is not set \(ALLOW_ANONYMOUS_ZK=yes\)/, 'it warns that discovery is open');
    t.regex(r.out, /ZooKeeper nodes are open/);
  });

  test(`${program}: REDIS_TLS_ENABLED=yes without the files names each missing variable`, (t) => {
    const r = run(program, { REDIS_TLS_ENABLED: 'yes', REDIS_TLS_CERT_FILE: '/nonexistent/cert.pem' });
    t.is(r.code, 1, r.out);
    t.regex(r.out, /REDIS_TLS_CERT_FILE="\/nonexistent\/cert\.pem": cannot read it \(ENOENT\)/);
    t.regex(r.out, /REDIS_TLS_KEY_FILE is required when REDIS_TLS_ENABLED=yes/);
    t.regex(r.out, /REDIS_TLS_CA_FILE is required when REDIS_TLS_ENABLED=yes/);
  });

  test(`${program}: a malformed ZK_AUTH is refused by name, its value hidden`, (t) => {
    const r = run(program, { ZK_AUTH: 'no-colon-secret' });
    t.is(r.code, 1, r.out);
    t.regex(r.out, /ZK_AUTH=\(hidden\): must be user:password/);
    t.false(r.out.includes('no-colon-secret'));
  });
}

// ---- the operator's command, configured like the programs --------------------------------------

const CLI = path.join(ROOT, 'packages', 'cli', 'dist', 'main.js');
function cli(env: Record<string, string>) {
  const r = spawnSync(process.execPath, [CLI, 'status'], {
    env: { PATH: process.env.PATH, ZK_HOSTS: '127.0.0.1:1', REDIS_PASSWORD: 'cfg-exit-pw', ...env },
    encoding: 'utf8',
    timeout: 30000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('redis-zk: no ZK_HOSTS: refuses to run, naming it', (t) => {
  const r = cli({ ZK_HOSTS: '', ZK_AUTH: 'cfg-exit:zk-secret-pw' });
  t.is(r.code, 1, r.out);
  t.regex(r.out, /^error: ZK_HOSTS is not set/m);
  t.notRegex(r.out, /cannot reach ZooKeeper/);
});

test('redis-zk: no ZK_AUTH and no ALLOW_ANONYMOUS_ZK: refuses to run, naming both; the waiver lets it go on to ZooKeeper', (t) => {
  const refused = cli({});
  t.is(refused.code, 1, refused.out);
  t.regex(refused.out, /^error: ZK_AUTH is not set/m);
  t.regex(refused.out, /ALLOW_ANONYMOUS_ZK=yes/);
  t.notRegex(refused.out, /cannot reach ZooKeeper/, 'refused before connecting');
  const waived = cli({ ALLOW_ANONYMOUS_ZK: 'yes' });
  t.is(waived.code, 1, waived.out);
  t.notRegex(waived.out, /ZK_AUTH/, waived.out);
  t.regex(waived.out, /^redis-zk: cannot reach ZooKeeper at 127\.0\.0\.1:1/m);
  const authed = cli({ ZK_AUTH: 'cfg-exit:zk-secret-pw', ALLOW_ANONYMOUS_ZK: 'no' });
  t.regex(authed.out, /^redis-zk: cannot reach ZooKeeper at 127\.0\.0\.1:1/m, authed.out);
  t.false(authed.out.includes('zk-secret-pw'));
});
