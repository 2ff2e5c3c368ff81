import path from 'node:path';
import test from 'ava';
import { splitArgs } from '../helpers/config-args';
import { EnvError } from 'envalid';
import { loadConfig } from '../../packages/core/src/config/load';
import { PROGRAM_VARS } from '../../packages/core/src/config/programs';
import { VARS } from '../../packages/core/src/config/vars';
import { ConfigError } from '../../packages/core/src/config/errors';
import { configLine, quoteConfigValue } from '../../packages/core/src/server-config/render';

type Program = keyof typeof PROGRAM_VARS;
const PROGRAMS = Object.keys(PROGRAM_VARS) as Program[];

// Always an explicit env object: loadConfig only reads .env when given process.env itself.
const load = (program: Program, env: NodeJS.ProcessEnv): Record<string, unknown> => loadConfig(PROGRAM_VARS[program], env) as Record<string, unknown>;

const catchConfigError = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
};

// ---- defaults -------------------------------------------------------------------------------

const common = {
  ZK_HOSTS: undefined,
  ZK_ROOT: '/redis',
  ZK_SESSION_TIMEOUT_MS: 10000,
  ZK_AUTH: undefined,
  ALLOW_ANONYMOUS_ZK: false,
  LOG_LEVEL: 'info',
  REDIS_PASSWORD: undefined,
  ALLOW_EMPTY_PASSWORD: false,
  SENTINEL_PASSWORD: undefined,
  REDIS_TLS_ENABLED: false,
  REDIS_TLS_CERT_FILE: undefined,
  REDIS_TLS_KEY_FILE: undefined,
  REDIS_TLS_CA_FILE: undefined,
  REDIS_TLS_AUTH_CLIENTS: 'yes',
};
const node = {
  NET_IFACE: undefined,
  BIND_IP: undefined,
  HOST: undefined,
  LIBPROCESS_IP: undefined,
  ANNOUNCE_IP: undefined,
  ANNOUNCE_PORT: undefined,
  DATA_DIR: undefined,
  MASTER_WAIT_TIMEOUT_MS: 60000,
};

const defaults: Array<{ title: string; program: Program; expected: Record<string, unknown>; files?: Record<string, string> }> = [
  {
    title: 'redis-wrapper',
    program: 'redis-wrapper',
    expected: {
      ...common,
      ...node,
      PORT0: 6379,
      PORT1: 8008,
      MASTER_NAME: 'mymaster',
      REDIS_SERVER_BIN: 'redis-server',
      DATA_LOCK_WAIT_MS: 60000,
      ELECTION_DATA_WAIT_MS: 10000,
      SWITCHOVER_TIMEOUT_MS: 20000,
      NEVER_PROMOTE: false,
      FAILOVER_PRIORITY: 100,
      FAILOVER_MAX_LAG_BYTES: 0,
      REDIS_MAXMEMORY: undefined,
      REDIS_MAXMEMORY_POLICY: undefined,
      REDIS_NICE: 5,
      MARATHON_APP_RESOURCE_MEM: undefined,
      ROLE_CHECK_INTERVAL_MS: 1000,
      SENTINEL_FAILOVER_TIMEOUT_MS: 60000,
      // The ACL users: default names, no password (no user).
      REPLICATION_USER: 'replication',
      REPLICATION_PASSWORD: undefined,
      SENTINEL_AUTH_USER: 'sentinel',
      SENTINEL_AUTH_PASSWORD: undefined,
      APP_USER: 'app',
      APP_PASSWORD: undefined,
    },
    files: { REDIS_CONF: path.join('conf', 'redis.conf') },
  },
  {
    title: 'sentinel-wrapper',
    program: 'sentinel-wrapper',
    expected: {
      ...common,
      ...node,
      PORT0: 26379,
      MASTER_NAMES: undefined,
      SENTINEL_QUORUM: 2,
      SENTINEL_DOWN_AFTER_MS: 5000,
      SENTINEL_FAILOVER_TIMEOUT_MS: 60000,
      SENTINEL_PARALLEL_SYNCS: 1,
      SENTINEL_INFO_PERIOD_MS: 1000,
      REDIS_SENTINEL_BIN: 'redis-sentinel',
      SENTINEL_CLEANUP_GRACE_MS: 30000,
      SENTINEL_AUTH_USER: 'sentinel',
      SENTINEL_AUTH_PASSWORD: undefined,
      DISCOVERY_USER: 'discovery',
      DISCOVERY_PASSWORD: undefined,
    },
    files: { SENTINEL_CONF: path.join('conf', 'sentinel.conf') },
  },
  {
    title: 'watcher',
    program: 'watcher',
    expected: { ...common, PORT0: 8080, HTTP_HOST: '0.0.0.0', RECONCILE_INTERVAL_MS: 10000, SENTINEL_CLEANUP_GRACE_MS: 30000 },
  },
];

for (const c of defaults) {
  test(`defaults: ${c.title}`, (t) => {
    const cfg = load(c.program, {});
    const { ...rest } = cfg;
    for (const k of Object.keys(c.files ?? {})) delete rest[k];
    t.deepEqual(rest, c.expected);
    for (const [k, suffix] of Object.entries(c.files ?? {})) {
      t.true(path.isAbsolute(String(cfg[k])), `${k} is absolute`);
      t.true(String(cfg[k]).endsWith(path.sep + suffix), `${k}=${String(cfg[k])} ends with ${suffix}`);
    }
  });

  test(`defaults: ${c.title}: empty strings count as unset`, (t) => {
    const env: NodeJS.ProcessEnv = {};
    for (const k of Object.keys(PROGRAM_VARS[c.program])) env[k] = '';
    t.deepEqual(load(c.program, env), load(c.program, {}));
  });
}

test("the result has exactly the program's variables, nothing from unrelated env", (t) => {
  for (const program of PROGRAMS) {
    const cfg = load(program, { UNRELATED: 'x', SENTINEL_QUORUM: '3' });
    t.deepEqual(Object.keys(cfg).sort(), Object.keys(PROGRAM_VARS[program]).sort());
    t.false('UNRELATED' in cfg);
  }
});

// ---- accepted values ------------------------------------------------------------------------

const accepted: Array<{ title: string; program: Program; env: NodeJS.ProcessEnv; expected: Record<string, unknown> }> = [
  { title: 'PORT0 set', program: 'redis-wrapper', env: { PORT0: '31000' }, expected: { PORT0: 31000 } },
  { title: 'PORT0 with spaces around', program: 'watcher', env: { PORT0: ' 9000 ' }, expected: { PORT0: 9000 } },
  { title: 'PORT0 highest', program: 'sentinel-wrapper', env: { PORT0: '65535' }, expected: { PORT0: 65535 } },
  { title: 'ZK_HOSTS list', program: 'watcher', env: { ZK_HOSTS: 'zk1:2181,zk2:2181,zk3:2181' }, expected: { ZK_HOSTS: 'zk1:2181,zk2:2181,zk3:2181' } },
  {
    title: 'ZK_HOSTS with a chroot',
    program: 'redis-wrapper',
    env: { ZK_HOSTS: 'h:2181,h2:2182/app/redis' },
    expected: { ZK_HOSTS: 'h:2181,h2:2182/app/redis' },
  },
  { title: 'ZK_HOSTS single host with a chroot', program: 'watcher', env: { ZK_HOSTS: '10.0.0.1:2181/redis' }, expected: { ZK_HOSTS: '10.0.0.1:2181/redis' } },
  { title: 'ZK_ROOT nested', program: 'redis-wrapper', env: { ZK_ROOT: '/apps/redis-zk' }, expected: { ZK_ROOT: '/apps/redis-zk' } },
  { title: 'MASTER_NAME with . _ -', program: 'redis-wrapper', env: { MASTER_NAME: 'cache_1.eu-west' }, expected: { MASTER_NAME: 'cache_1.eu-west' } },
  { title: 'MASTER_NAMES list with spaces', program: 'sentinel-wrapper', env: { MASTER_NAMES: ' a, b ,c ' }, expected: { MASTER_NAMES: ['a', 'b', 'c'] } },
  { title: 'BIND_IP IPv4', program: 'redis-wrapper', env: { BIND_IP: '127.0.0.1' }, expected: { BIND_IP: '127.0.0.1' } },
  { title: 'BIND_IP IPv6', program: 'sentinel-wrapper', env: { BIND_IP: '::1' }, expected: { BIND_IP: '::1' } },
  {
    title: 'ANNOUNCE_IP and ANNOUNCE_PORT',
    program: 'redis-wrapper',
    env: { ANNOUNCE_IP: '192.168.1.5', ANNOUNCE_PORT: '31001' },
    expected: { ANNOUNCE_IP: '192.168.1.5', ANNOUNCE_PORT: 31001 },
  },
  { title: 'MASTER_WAIT_TIMEOUT_MS 0 = forever', program: 'redis-wrapper', env: { MASTER_WAIT_TIMEOUT_MS: '0' }, expected: { MASTER_WAIT_TIMEOUT_MS: 0 } },
  { title: 'SENTINEL_QUORUM 1', program: 'sentinel-wrapper', env: { SENTINEL_QUORUM: '1' }, expected: { SENTINEL_QUORUM: 1 } },
  { title: 'LOG_LEVEL debug', program: 'watcher', env: { LOG_LEVEL: 'debug' }, expected: { LOG_LEVEL: 'debug' } },
  {
    title: 'REDIS_PASSWORD free text kept verbatim',
    program: 'redis-wrapper',
    env: { REDIS_PASSWORD: ' p@ss "word" \\ ' },
    expected: { REDIS_PASSWORD: ' p@ss "word" \\ ' },
  },
  { title: 'ALLOW_EMPTY_PASSWORD yes', program: 'sentinel-wrapper', env: { ALLOW_EMPTY_PASSWORD: 'yes' }, expected: { ALLOW_EMPTY_PASSWORD: true } },
  { title: 'ALLOW_ANONYMOUS_ZK yes', program: 'redis-zk', env: { ALLOW_ANONYMOUS_ZK: 'yes' }, expected: { ALLOW_ANONYMOUS_ZK: true } },
  { title: 'REDIS_TLS_ENABLED no', program: 'redis-wrapper', env: { REDIS_TLS_ENABLED: 'no' }, expected: { REDIS_TLS_ENABLED: false } },
  {
    title: 'REDIS_TLS_AUTH_CLIENTS optional',
    program: 'redis-wrapper',
    env: { REDIS_TLS_AUTH_CLIENTS: 'optional' },
    expected: { REDIS_TLS_AUTH_CLIENTS: 'optional' },
  },
  {
    title: 'REDIS_MAXMEMORY with a unit',
    program: 'redis-wrapper',
    env: { REDIS_MAXMEMORY: '512MB' },
    expected: { REDIS_MAXMEMORY: { bytes: 512 * 1024 * 1024 } },
  },
  { title: 'REDIS_MAXMEMORY 0 = no limit', program: 'redis-wrapper', env: { REDIS_MAXMEMORY: '0' }, expected: { REDIS_MAXMEMORY: { bytes: 0 } } },
  { title: 'REDIS_MAXMEMORY a share', program: 'redis-wrapper', env: { REDIS_MAXMEMORY: '37.5%' }, expected: { REDIS_MAXMEMORY: { percent: 37.5 } } },
  {
    title: 'REDIS_MAXMEMORY_POLICY allkeys-lru',
    program: 'redis-wrapper',
    env: { REDIS_MAXMEMORY_POLICY: 'allkeys-lru' },
    expected: { REDIS_MAXMEMORY_POLICY: 'allkeys-lru' },
  },
  {
    title: 'MARATHON_APP_RESOURCE_MEM as Marathon writes it',
    program: 'redis-wrapper',
    env: { MARATHON_APP_RESOURCE_MEM: '1024.0' },
    expected: { MARATHON_APP_RESOURCE_MEM: 1024 },
  },
  {
    title: 'HOST a name, LIBPROCESS_IP an address',
    program: 'sentinel-wrapper',
    env: { HOST: 'agent-7.example', LIBPROCESS_IP: '10.0.0.7' },
    expected: { HOST: 'agent-7.example', LIBPROCESS_IP: '10.0.0.7' },
  },
  {
    title: 'ZK_AUTH user:password (a colon in the password is kept)',
    program: 'watcher',
    env: { ZK_AUTH: 'redis-zk:pa:ss' },
    expected: { ZK_AUTH: { user: 'redis-zk', password: 'pa:ss' } },
  },
];

for (const c of accepted) {
  test(`accepted: ${c.title}`, (t) => {
    t.like(load(c.program, c.env), c.expected);
  });
}

// ---- rejected values ------------------------------------------------------------------------

const rejected: Array<{ program: Program; name: string; value: string }> = [
  { program: 'redis-wrapper', name: 'PORT0', value: '0' },
  { program: 'sentinel-wrapper', name: 'PORT0', value: '70000' },
  { program: 'watcher', name: 'PORT0', value: 'abc' },
  { program: 'redis-wrapper', name: 'PORT0', value: '-1' },
  { program: 'redis-wrapper', name: 'ZK_HOSTS', value: 'nohost' },
  { program: 'watcher', name: 'ZK_HOSTS', value: 'a:1,b' },
  { program: 'redis-wrapper', name: 'ZK_HOSTS', value: 'a:1,,b:2' },
  { program: 'redis-wrapper', name: 'ZK_HOSTS', value: 'a:1/' },
  { program: 'redis-wrapper', name: 'ZK_ROOT', value: 'redis' },
  { program: 'sentinel-wrapper', name: 'ZK_ROOT', value: '/redis/' },
  { program: 'watcher', name: 'ZK_ROOT', value: '/' },
  { program: 'redis-wrapper', name: 'ZK_SESSION_TIMEOUT_MS', value: '999' },
  { program: 'redis-wrapper', name: 'MASTER_NAME', value: 'bad name!' },
  { program: 'redis-wrapper', name: 'BIND_IP', value: '999.1.1.1' },
  { program: 'sentinel-wrapper', name: 'BIND_IP', value: 'localhost' },
  { program: 'redis-wrapper', name: 'ANNOUNCE_IP', value: '10.0.0' },
  { program: 'redis-wrapper', name: 'ANNOUNCE_PORT', value: '-1' },
  { program: 'sentinel-wrapper', name: 'SENTINEL_QUORUM', value: '0' },
  { program: 'sentinel-wrapper', name: 'SENTINEL_QUORUM', value: 'abc' },
  { program: 'sentinel-wrapper', name: 'SENTINEL_QUORUM', value: '1.5' },
  { program: 'sentinel-wrapper', name: 'SENTINEL_DOWN_AFTER_MS', value: '0' },
  { program: 'sentinel-wrapper', name: 'SENTINEL_PARALLEL_SYNCS', value: '1001' },
  { program: 'sentinel-wrapper', name: 'SENTINEL_INFO_PERIOD_MS', value: '50' },
  { program: 'redis-wrapper', name: 'MASTER_WAIT_TIMEOUT_MS', value: '-5' },
  { program: 'sentinel-wrapper', name: 'MASTER_WAIT_TIMEOUT_MS', value: '1e3' },
  { program: 'watcher', name: 'LOG_LEVEL', value: 'loud' },
  { program: 'sentinel-wrapper', name: 'MASTER_NAMES', value: 'a,,b!' },
  { program: 'sentinel-wrapper', name: 'MASTER_NAMES', value: ' , ' },
  { program: 'watcher', name: 'RECONCILE_INTERVAL_MS', value: '99' },
  { program: 'redis-wrapper', name: 'NET_IFACE', value: '   ' },
  { program: 'redis-wrapper', name: 'REDIS_MAXMEMORY', value: 'lots' },
  { program: 'redis-wrapper', name: 'REDIS_MAXMEMORY', value: '0%' },
  { program: 'redis-wrapper', name: 'REDIS_MAXMEMORY', value: '120%' },
  { program: 'redis-wrapper', name: 'REDIS_MAXMEMORY_POLICY', value: 'lru' },
  { program: 'redis-wrapper', name: 'REDIS_NICE', value: '20' },
  { program: 'redis-wrapper', name: 'REDIS_NICE', value: '-1' },
  { program: 'redis-wrapper', name: 'MARATHON_APP_RESOURCE_MEM', value: 'abc' },
  { program: 'redis-wrapper', name: 'MARATHON_APP_RESOURCE_MEM', value: '0.0' },
  { program: 'redis-wrapper', name: 'ALLOW_EMPTY_PASSWORD', value: 'maybe' },
  { program: 'watcher', name: 'ALLOW_EMPTY_PASSWORD', value: 'true' },
  { program: 'sentinel-wrapper', name: 'ALLOW_ANONYMOUS_ZK', value: 'true' },
  { program: 'redis-zk', name: 'ALLOW_ANONYMOUS_ZK', value: 'YES' },
  { program: 'sentinel-wrapper', name: 'REDIS_TLS_ENABLED', value: 'on' },
  { program: 'watcher', name: 'REDIS_TLS_AUTH_CLIENTS', value: 'required' },
  // Bounds (#26): Node's timers fire at once above 2^31-1 ms; paths and names with no way out.
  { program: 'redis-wrapper', name: 'MASTER_WAIT_TIMEOUT_MS', value: '2147483648' },
  { program: 'redis-wrapper', name: 'SWITCHOVER_TIMEOUT_MS', value: '99999999999999999999' },
  { program: 'redis-wrapper', name: 'DATA_LOCK_WAIT_MS', value: '2147483648' },
  { program: 'redis-wrapper', name: 'ELECTION_DATA_WAIT_MS', value: '1e10' },
  { program: 'sentinel-wrapper', name: 'SENTINEL_DOWN_AFTER_MS', value: '2147483648' },
  { program: 'sentinel-wrapper', name: 'SENTINEL_FAILOVER_TIMEOUT_MS', value: '4294967296' },
  { program: 'watcher', name: 'RECONCILE_INTERVAL_MS', value: '2147483648' },
  { program: 'watcher', name: 'SENTINEL_CLEANUP_GRACE_MS', value: '9007199254740993' },
  { program: 'redis-wrapper', name: 'REDIS_MAXMEMORY', value: '999999999999999gb' },
  { program: 'redis-wrapper', name: 'ZK_ROOT', value: '/redis/..' },
  { program: 'redis-wrapper', name: 'ZK_ROOT', value: '/../redis' },
  { program: 'watcher', name: 'ZK_ROOT', value: '/.' },
  { program: 'watcher', name: 'ZK_ROOT', value: '/redis/a..b' },
  { program: 'sentinel-wrapper', name: 'ZK_ROOT', value: '/zookeeper' },
  { program: 'sentinel-wrapper', name: 'ZK_ROOT', value: '/zookeeper/quota' },
  { program: 'redis-zk', name: 'ZK_ROOT', value: '/redis/*' },
  { program: 'redis-zk', name: 'ZK_ROOT', value: '/re dis' },
  { program: 'redis-wrapper', name: 'ZK_HOSTS', value: 'zk:2181/../other' },
  { program: 'redis-wrapper', name: 'ZK_HOSTS', value: 'zk:2181/chroot/*' },
  { program: 'redis-wrapper', name: 'MASTER_NAME', value: '..' },
  { program: 'redis-wrapper', name: 'MASTER_NAME', value: '.' },
  { program: 'redis-wrapper', name: 'MASTER_NAME', value: 'a..b' },
  { program: 'redis-wrapper', name: 'MASTER_NAME', value: '*' },
  { program: 'redis-wrapper', name: 'MASTER_NAME', value: 'my?set' },
  { program: 'redis-wrapper', name: 'MASTER_NAME', value: 'set[1]' },
  { program: 'redis-wrapper', name: 'MASTER_NAME', value: 'a/b' },
  { program: 'sentinel-wrapper', name: 'MASTER_NAMES', value: 'mymaster,..' },
  { program: 'sentinel-wrapper', name: 'MASTER_NAMES', value: 'mymaster,*' },
  { program: 'sentinel-wrapper', name: 'MASTER_NAMES', value: 'a/b' },
  // Node tags and the RPO guard (#29).
  { program: 'redis-wrapper', name: 'NEVER_PROMOTE', value: 'true' },
  { program: 'redis-wrapper', name: 'FAILOVER_PRIORITY', value: '0' },
  { program: 'redis-wrapper', name: 'FAILOVER_PRIORITY', value: 'high' },
  { program: 'redis-wrapper', name: 'FAILOVER_PRIORITY', value: '2147483648' },
  { program: 'redis-wrapper', name: 'FAILOVER_MAX_LAG_BYTES', value: '-1' },
  { program: 'redis-wrapper', name: 'FAILOVER_MAX_LAG_BYTES', value: '1 tb' },
];

for (const c of rejected) {
  test(`rejected: ${c.program} ${c.name}=${JSON.stringify(c.value)}`, (t) => {
    const err = catchConfigError(() => load(c.program, { [c.name]: c.value }));
    t.is(err.name, 'ConfigError');
    t.is(err.problems.length, 1, err.message);
    t.true(err.message.includes(c.name), `names ${c.name}: ${err.message}`);
    t.true(err.message.includes(`${c.name}=${JSON.stringify(c.value)}`), `shows the value: ${err.message}`);
  });
}

const accepted26: Array<{ program: Program; env: NodeJS.ProcessEnv }> = [
  { program: 'redis-wrapper', env: { MASTER_WAIT_TIMEOUT_MS: '2147483647', SWITCHOVER_TIMEOUT_MS: '2147483647' } },
  { program: 'redis-wrapper', env: { MASTER_NAME: 'v1.2_cache-eu', ZK_ROOT: '/apps/redis-zk.v2' } },
  { program: 'redis-wrapper', env: { ZK_HOSTS: 'zk:2181/apps/zookeeper', REDIS_MAXMEMORY: '8388607gb' } },
  { program: 'sentinel-wrapper', env: { MASTER_NAMES: 'a.b,c-d,e_f', SENTINEL_DOWN_AFTER_MS: '2147483647' } },
  { program: 'redis-wrapper', env: { NEVER_PROMOTE: 'yes', FAILOVER_PRIORITY: '2147483647', FAILOVER_MAX_LAG_BYTES: '16mb' } },
  { program: 'redis-wrapper', env: { FAILOVER_PRIORITY: '1', FAILOVER_MAX_LAG_BYTES: '1048576' } },
];
for (const c of accepted26) {
  test(`accepted at the bounds: ${c.program} ${JSON.stringify(c.env)}`, (t) => {
    t.notThrows(() => load(c.program, c.env));
  });
}

test('every numeric variable is bounded, every *_MS at most 2^31-1 ms, refused naming it', (t) => {
  const numeric = Object.entries(VARS).filter(([, spec]) => {
    try {
      const v = spec.parse('1000') as unknown;
      return typeof v === 'number' || (typeof v === 'object' && v !== null && 'bytes' in v);
    } catch {
      return false;
    }
  });
  t.true(numeric.length >= 15, numeric.map(([n]) => n).join(', '));
  for (const [name, spec] of numeric) {
    t.throws(() => spec.parse('99999999999999999999'), undefined, `${name} accepts 1e20`);
    if (name.endsWith('_MS')) {
      t.throws(() => spec.parse(String(2 ** 31)), undefined, `${name} accepts 2^31`);
      const program = PROGRAMS.find((p) => name in PROGRAM_VARS[p]);
      if (!program) continue;
      const err = catchConfigError(() => load(program, { [name]: String(2 ** 31) }));
      t.true(err.message.includes(`${name}="2147483648"`), err.message);
    }
  }
  t.regex(catchConfigError(() => load('watcher', { RECONCILE_INTERVAL_MS: '2147483648' })).message, /Node's timers fire at once above it/);
});

// ZK_HOSTS ports are checked like every other port (1..65535), at start rather than at connect time.
for (const value of ['zk1:0', 'zk1:2181,zk2:99999']) {
  test(`rejected: ZK_HOSTS=${JSON.stringify(value)} (port out of range)`, (t) => {
    const err = catchConfigError(() => load('watcher', { ZK_HOSTS: value }));
    t.true(err.message.includes(`ZK_HOSTS=${JSON.stringify(value)}`), err.message);
  });
}

test('several bad values are reported together in one error', (t) => {
  const env = { PORT0: '0', ZK_ROOT: 'redis', LOG_LEVEL: 'loud', MASTER_NAME: 'bad name!', ZK_HOSTS: 'nohost' };
  const err = catchConfigError(() => load('redis-wrapper', env));
  t.is(err.problems.length, 5, err.message);
  for (const [name, value] of Object.entries(env)) {
    t.true(
      err.problems.some((p) => p.includes(`${name}=${JSON.stringify(value)}`)),
      `${name} reported: ${err.message}`,
    );
  }
  t.is(err.message.split('\n').length, 5);
});

// ---- secrets --------------------------------------------------------------------------------

const PASSWORD = 'Tr0ub4dor&3-very-secret';

for (const program of PROGRAMS) {
  test(`REDIS_PASSWORD text is absent when another variable is bad (${program})`, (t) => {
    const err = catchConfigError(() => load(program, { REDIS_PASSWORD: PASSWORD, PORT0: '70000', ZK_HOSTS: 'nohost' }));
    t.is(err.problems.length, 'PORT0' in PROGRAM_VARS[program] ? 2 : 1, err.message); // the redis-zk command listens on nothing
    t.false(err.message.includes(PASSWORD), err.message);
    t.false(
      err.problems.some((p) => p.includes('REDIS_PASSWORD')),
      err.message,
    );
    t.false(String(err.stack).includes(PASSWORD));
    t.false(JSON.stringify(err).includes(PASSWORD));
  });
}

test('a failing secret variable is reported by name with its value hidden', (t) => {
  const specs = {
    TOKEN: {
      doc: 'test secret',
      secret: true,
      parse: (raw: string) => {
        if (!/^\d+$/.test(raw)) throw new EnvError('must be digits');
        return raw;
      },
    },
  };
  const err = catchConfigError(() => loadConfig(specs, { TOKEN: 'hunter2' }));
  t.true(err.message.includes('TOKEN=(hidden)'), err.message);
  t.false(err.message.includes('hunter2'));
});

// ---- redis.conf quoting ---------------------------------------------------------------------

const quoting: Array<{ title: string; input: string; expected: string }> = [
  { title: 'plain word', input: 'yes', expected: 'yes' },
  { title: 'number', input: '6379', expected: '6379' },
  { title: 'IPv4 address', input: '10.0.0.1', expected: '10.0.0.1' },
  { title: 'IPv6 address', input: '::1', expected: '::1' },
  { title: 'absolute path', input: '/var/lib/redis-zk/data', expected: '/var/lib/redis-zk/data' },
  { title: 'file name', input: 'appendonly.aof', expected: 'appendonly.aof' },
  { title: 'at and plus', input: 'a@b+c', expected: 'a@b+c' },
  { title: 'empty string', input: '', expected: '""' },
  { title: 'space', input: 'my pass', expected: '"my pass"' },
  { title: 'leading space', input: ' x', expected: '" x"' },
  { title: 'double quote', input: 'say "hi"', expected: '"say \\"hi\\""' },
  { title: 'single quote', input: "it's", expected: '"it\'s"' },
  { title: 'backslash', input: 'a\\b', expected: '"a\\\\b"' },
  { title: 'backslash before quote', input: '\\"', expected: '"\\\\\\""' },
  { title: 'newline', input: 'a\nb', expected: '"a\\nb"' },
  { title: 'carriage return', input: 'a\r\nb', expected: '"a\\r\\nb"' },
  { title: 'hash', input: '#notacomment', expected: '"#notacomment"' },
  { title: 'dollar and ampersand', input: 'p$&w', expected: '"p$&w"' },
];

for (const c of quoting) {
  test(`quoteConfigValue: ${c.title}`, (t) => {
    const q = quoteConfigValue(c.input);
    t.is(q, c.expected);
    t.false(q.includes('\n') || q.includes('\r'), 'a quoted value stays on one line');
  });
}

const lines: Array<{ title: string; parts: Array<string | number>; expected: string }> = [
  { title: 'directive and number', parts: ['port', 6379], expected: 'port 6379' },
  { title: 'directive with plain values', parts: ['replicaof', '10.0.0.2', 6379], expected: 'replicaof 10.0.0.2 6379' },
  { title: 'directive only', parts: ['protected-mode'], expected: 'protected-mode' },
  { title: 'password with spaces and quotes', parts: ['requirepass', 'a b"c'], expected: 'requirepass "a b\\"c"' },
  { title: 'sentinel line with a secret', parts: ['sentinel', 'auth-pass', 'mymaster', 'p w\\'], expected: 'sentinel auth-pass mymaster "p w\\\\"' },
  { title: 'empty value', parts: ['masterauth', ''], expected: 'masterauth ""' },
];

for (const c of lines) {
  test(`configLine: ${c.title}`, (t) => {
    t.is(configLine(...c.parts), c.expected);
  });
}

const roundTrip = ['plain', '', 'with space', 'q"uote', 'back\\slash', 'new\nline', 'cr\r', '\\n literal', 'mix "\\\n\' x', '  '];

for (const value of roundTrip) {
  test(`configLine round-trips through redis argument splitting: ${JSON.stringify(value)}`, (t) => {
    t.deepEqual(splitArgs(configLine('requirepass', value)), ['requirepass', value]);
  });
}
