import test from 'ava';
import { splitArgs } from '../helpers/config-args';
import { monitorLines, type MonitorSettings, sentinelConfigLines, settingsArgs } from '../../packages/sentinel-wrapper/src/sentinel-config';
import { type Address, parseAddress } from '../../packages/core/src/address';

// ---- helpers ---------------------------------------------------------------------------------

const addr = (text: string): Address => {
  const a = parseAddress(text);
  if (!a) throw new Error(`bad test address ${text}`);
  return a;
};

const BIND = addr('10.0.1.1:26379');
const ANNOUNCE = addr('192.168.5.9:31026');
const R = addr('10.0.0.2:6379');
const A = addr('10.0.0.3:6380');
const V6 = addr('[fd00::7]:6379');

const settings = (o: Partial<MonitorSettings> = {}): MonitorSettings => ({
  quorum: 2,
  downAfterMs: 5000,
  failoverTimeoutMs: 60000,
  parallelSyncs: 1,
  password: undefined,
  ...o,
});

/** Every line as redis would read it back, as argument lists. */
const parse = (lines: readonly string[]): string[][] => lines.map(splitArgs);

const sentinelLines = (lines: readonly string[], sub: string, name?: string): string[][] =>
  parse(lines).filter((a) => a[0] === 'sentinel' && a[1] === sub && (name === undefined || a[2] === name));

// ---- settingsArgs ------------------------------------------------------------------------------

const argsCases: Array<{ title: string; settings: MonitorSettings; expected: string[] }> = [
  {
    title: 'defaults, no password',
    settings: settings(),
    expected: ['down-after-milliseconds', '5000', 'failover-timeout', '60000', 'parallel-syncs', '1'],
  },
  {
    title: 'custom values, no password',
    settings: settings({ quorum: 3, downAfterMs: 1234, failoverTimeoutMs: 180000, parallelSyncs: 4 }),
    expected: ['down-after-milliseconds', '1234', 'failover-timeout', '180000', 'parallel-syncs', '4'],
  },
  {
    title: 'empty password counts as unset',
    settings: settings({ password: '' }),
    expected: ['down-after-milliseconds', '5000', 'failover-timeout', '60000', 'parallel-syncs', '1'],
  },
  {
    title: 'plain password',
    settings: settings({ password: 's3cret' }),
    expected: ['down-after-milliseconds', '5000', 'failover-timeout', '60000', 'parallel-syncs', '1', 'auth-pass', 's3cret'],
  },
  {
    title: 'password with spaces and quotes is passed verbatim (SENTINEL SET args are not config text)',
    settings: settings({ password: 'my "pass" word' }),
    expected: ['down-after-milliseconds', '5000', 'failover-timeout', '60000', 'parallel-syncs', '1', 'auth-pass', 'my "pass" word'],
  },
];

for (const c of argsCases) {
  test(`settingsArgs: ${c.title}`, (t) => {
    const args = settingsArgs(c.settings);
    t.deepEqual(args, c.expected);
    t.is(args.length % 2, 0, 'name/value pairs');
    t.true(
      args.every((a) => typeof a === 'string'),
      'all strings, ready for SENTINEL SET',
    );
  });
}

// ---- monitorLines ------------------------------------------------------------------------------

const passwords: Array<string | undefined> = [
  undefined,
  '',
  'plain',
  'Tr0ub4dor&3',
  'with space',
  'say "hi"',
  "it's",
  'back\\slash',
  'mix "\\ \' #x',
  '  ',
  'new\nline',
  '#hash',
];

for (const password of passwords) {
  test(`monitorLines: password ${JSON.stringify(password)}: monitor line, settings, auth-pass read back verbatim`, (t) => {
    const s = settings({ quorum: 3, downAfterMs: 7000, failoverTimeoutMs: 90000, parallelSyncs: 2, password });
    const lines = monitorLines('cache-1', A, s);
    t.true(
      lines.every((l) => !l.includes('\n') && !l.includes('\r')),
      'each config line stays on one line',
    );
    const parsed = parse(lines);
    t.deepEqual(parsed[0], ['sentinel', 'monitor', 'cache-1', '10.0.0.3', '6380', '3'], 'monitor line first');
    t.deepEqual(sentinelLines(lines, 'down-after-milliseconds'), [['sentinel', 'down-after-milliseconds', 'cache-1', '7000']]);
    t.deepEqual(sentinelLines(lines, 'failover-timeout'), [['sentinel', 'failover-timeout', 'cache-1', '90000']]);
    t.deepEqual(sentinelLines(lines, 'parallel-syncs'), [['sentinel', 'parallel-syncs', 'cache-1', '2']]);
    const auth = sentinelLines(lines, 'auth-pass');
    if (password) t.deepEqual(auth, [['sentinel', 'auth-pass', 'cache-1', password]]);
    else t.deepEqual(auth, [], 'no auth-pass line without a password');
    t.is(lines.length, password ? 5 : 4);
  });
}

test('monitorLines: a password with spaces and quotes is written quoted', (t) => {
  const lines = monitorLines('mymaster', R, settings({ password: 'a b"c' }));
  t.true(lines.includes('sentinel auth-pass mymaster "a b\\"c"'), lines.join('\n'));
});

test('monitorLines: exact text without a password', (t) => {
  t.deepEqual(monitorLines('mymaster', R, settings()), [
    'sentinel monitor mymaster 10.0.0.2 6379 2',
    'sentinel down-after-milliseconds mymaster 5000',
    'sentinel failover-timeout mymaster 60000',
    'sentinel parallel-syncs mymaster 1',
  ]);
});

test('monitorLines: IPv6 master is written as a bare host and a separate port', (t) => {
  t.deepEqual(parse(monitorLines('v6', V6, settings()))[0], ['sentinel', 'monitor', 'v6', 'fd00::7', '6379', '2']);
});

for (const password of passwords) {
  test(`settingsArgs pairs match monitorLines (password ${JSON.stringify(password)})`, (t) => {
    const s = settings({ quorum: 2, downAfterMs: 3000, failoverTimeoutMs: 10000, parallelSyncs: 5, password });
    const args = settingsArgs(s);
    const pairs: string[][] = [];
    for (let i = 0; i < args.length; i += 2) pairs.push(['sentinel', args[i]!, 'mymaster', args[i + 1]!]);
    // Everything after the monitor line is exactly the SENTINEL SET pairs, in order, read back verbatim.
    t.deepEqual(parse(monitorLines('mymaster', R, s)).slice(1), pairs);
  });
}

// ---- sentinelConfigLines -----------------------------------------------------------------------

interface ConfigCase {
  title: string;
  bind: Address;
  announce: Address;
  dataDir: string;
  sets: Array<[string, Address]>;
  settings: MonitorSettings;
}

const configCases: ConfigCase[] = [
  { title: 'no sets', bind: BIND, announce: ANNOUNCE, dataDir: '/data/sentinel', sets: [], settings: settings() },
  { title: 'one set, no password', bind: BIND, announce: ANNOUNCE, dataDir: '/data/sentinel', sets: [['mymaster', R]], settings: settings() },
  {
    title: 'three sets with a password',
    bind: BIND,
    announce: ANNOUNCE,
    dataDir: '/var/lib/redis-zk/sentinel',
    sets: [
      ['a', R],
      ['b.cache', A],
      ['c_v6', V6],
    ],
    settings: settings({ quorum: 3, downAfterMs: 2000, failoverTimeoutMs: 30000, parallelSyncs: 2, password: 'p w "q"' }),
  },
  {
    title: 'bind equals announce, data dir with a space',
    bind: BIND,
    announce: BIND,
    dataDir: '/tmp/my data',
    sets: [['mymaster', R]],
    settings: settings({ password: 'x' }),
  },
  {
    title: 'IPv6 bind and announce',
    bind: addr('[::1]:26379'),
    announce: addr('[fd00::9]:26380'),
    dataDir: '/d',
    sets: [['mymaster', V6]],
    settings: settings(),
  },
];

for (const c of configCases) {
  test(`sentinelConfigLines: ${c.title}`, (t) => {
    const sets = new Map(c.sets);
    const lines = sentinelConfigLines({ bind: c.bind, announce: c.announce, dataDir: c.dataDir, sets, settings: c.settings });
    t.true(
      lines.every((l) => !l.includes('\n') && !l.includes('\r')),
      'each config line stays on one line',
    );
    const parsed = parse(lines);
    const only = (...prefix: string[]) => parsed.filter((a) => prefix.every((p, i) => a[i] === p));

    // loopback is added so local health checks reach the server whatever interface it serves on
    const loopback = ['127.0.0.1', '::1', '0.0.0.0', '::'].includes(c.bind.host);
    t.deepEqual(only('bind'), [loopback ? ['bind', c.bind.host] : ['bind', c.bind.host, '127.0.0.1']]);
    t.deepEqual(only('port'), [['port', String(c.bind.port)]]);
    t.deepEqual(only('dir'), [['dir', c.dataDir]]);
    t.deepEqual(only('daemonize'), [['daemonize', 'no']]);
    t.deepEqual(only('sentinel', 'announce-ip'), [['sentinel', 'announce-ip', c.announce.host]]);
    t.deepEqual(only('sentinel', 'announce-port'), [['sentinel', 'announce-port', String(c.announce.port)]]);

    // One monitor line per set, with its own address and the quorum.
    t.deepEqual(
      only('sentinel', 'monitor'),
      c.sets.map(([name, m]) => ['sentinel', 'monitor', name, m.host, String(m.port), String(c.settings.quorum)]),
    );
    for (const [name] of c.sets) {
      t.deepEqual(sentinelLines(lines, 'down-after-milliseconds', name), [['sentinel', 'down-after-milliseconds', name, String(c.settings.downAfterMs)]], name);
      t.deepEqual(sentinelLines(lines, 'failover-timeout', name), [['sentinel', 'failover-timeout', name, String(c.settings.failoverTimeoutMs)]], name);
      t.deepEqual(sentinelLines(lines, 'parallel-syncs', name), [['sentinel', 'parallel-syncs', name, String(c.settings.parallelSyncs)]], name);
      const auth = sentinelLines(lines, 'auth-pass', name);
      if (c.settings.password) t.deepEqual(auth, [['sentinel', 'auth-pass', name, c.settings.password]], name);
      else t.deepEqual(auth, [], `${name}: no auth-pass without a password`);
      // Sentinel rejects settings for a master it does not monitor yet: the monitor line comes first.
      const monitorAt = parsed.findIndex((a) => a[1] === 'monitor' && a[2] === name);
      const settingAt = parsed.findIndex((a) => a[0] === 'sentinel' && a[1] !== 'monitor' && a[2] === name);
      t.true(monitorAt >= 0 && monitorAt < settingAt, `${name}: monitor line precedes its settings`);
    }
    t.is(sentinelLines(lines, 'auth-pass').length, c.settings.password ? c.sets.length : 0);

    // Nothing else: the fixed lines plus monitorLines for each set, in order.
    const perSet = c.sets.flatMap(([name, m]) => monitorLines(name, m, c.settings));
    t.is(lines.length, 6 + perSet.length);
    t.deepEqual(lines.slice(6), perSet);
  });
}

test('sentinelConfigLines: exact text for one set with a password', (t) => {
  const lines = sentinelConfigLines({
    bind: BIND,
    announce: ANNOUNCE,
    dataDir: '/data',
    sets: new Map([['mymaster', R]]),
    settings: settings({ password: 'pa ss' }),
  });
  t.deepEqual(lines, [
    'bind 10.0.1.1 127.0.0.1',
    'port 26379',
    'dir /data',
    'daemonize no',
    'sentinel announce-ip 192.168.5.9',
    'sentinel announce-port 31026',
    'sentinel monitor mymaster 10.0.0.2 6379 2',
    'sentinel down-after-milliseconds mymaster 5000',
    'sentinel failover-timeout mymaster 60000',
    'sentinel parallel-syncs mymaster 1',
    'sentinel auth-pass mymaster "pa ss"',
  ]);
});

// ---- Sentinel's own access: password and TLS ----------------------------------------------------

test("sentinelConfigLines: Sentinel's own password as requirepass and sentinel-pass, read back verbatim", (t) => {
  const password = 'se "nt" \\ inel';
  const lines = sentinelConfigLines({
    bind: BIND,
    announce: ANNOUNCE,
    dataDir: '/d',
    sets: new Map([['mymaster', R]]),
    settings: settings({ password: 'redis-pw' }),
    access: { password },
  });
  const parsed = parse(lines);
  t.deepEqual(
    parsed.filter((a) => a[0] === 'requirepass'),
    [['requirepass', password]],
  );
  t.deepEqual(sentinelLines(lines, 'sentinel-pass'), [['sentinel', 'sentinel-pass', password]]);
  t.deepEqual(sentinelLines(lines, 'auth-pass', 'mymaster'), [['sentinel', 'auth-pass', 'mymaster', 'redis-pw']], 'redis keeps its own password');
  t.deepEqual(
    parse(sentinelConfigLines({ bind: BIND, announce: ANNOUNCE, dataDir: '/d', sets: new Map(), settings: settings() })).filter((a) => a[0] === 'requirepass'),
    [],
    'none without a password',
  );
});

test('sentinelConfigLines: with TLS, PORT0 is the TLS port and the plain port is closed', (t) => {
  const tls = {
    certFile: '/c.pem',
    keyFile: '/k.pem',
    caFile: '/ca.pem',
    authClients: 'yes' as const,
    cert: Buffer.alloc(0),
    key: Buffer.alloc(0),
    ca: Buffer.alloc(0),
  };
  const parsed = parse(sentinelConfigLines({ bind: BIND, announce: ANNOUNCE, dataDir: '/d', sets: new Map(), settings: settings(), access: { tls } }));
  const only = (name: string) => parsed.filter((a) => a[0] === name);
  t.deepEqual(only('port'), [['port', '0']]);
  t.deepEqual(only('tls-port'), [['tls-port', String(BIND.port)]]);
  t.deepEqual(only('tls-replication'), [['tls-replication', 'yes']], "Sentinel's links to redis and to the other sentinels use TLS");
  t.deepEqual(only('tls-auth-clients'), [['tls-auth-clients', 'yes']]);
  t.deepEqual(only('tls-ca-cert-file'), [['tls-ca-cert-file', '/ca.pem']]);
});

// ---- ACL users: Sentinel's own user on the nodes, the discovery user ----------------------------

test("settingsArgs: with Sentinel's redis user, auth-user and its auth-pass (not the administrator's password)", (t) => {
  const s = settings({ password: 'admin', auth: { name: 'sentinel', password: 's pw' } });
  t.deepEqual(settingsArgs(s), [
    'down-after-milliseconds',
    '5000',
    'failover-timeout',
    '60000',
    'parallel-syncs',
    '1',
    'auth-user',
    'sentinel',
    'auth-pass',
    's pw',
  ]);
});

test("monitorLines: with Sentinel's redis user, every set gets auth-user and auth-pass after its monitor line, like SENTINEL SET at run time", (t) => {
  const s = settings({ password: 'admin', auth: { name: 'watch.er', password: 'a "b"' } });
  const lines = monitorLines('cache-1', A, s);
  t.deepEqual(sentinelLines(lines, 'auth-user'), [['sentinel', 'auth-user', 'cache-1', 'watch.er']]);
  t.deepEqual(sentinelLines(lines, 'auth-pass'), [['sentinel', 'auth-pass', 'cache-1', 'a "b"']]);
  t.false(lines.join('\n').includes('admin'), "the default user's password is not Sentinel's then");
  const args = settingsArgs(s);
  const pairs: string[][] = [];
  for (let i = 0; i < args.length; i += 2) pairs.push(['sentinel', args[i]!, 'cache-1', args[i + 1]!]);
  t.deepEqual(parse(lines).slice(1), pairs, 'the file form and SENTINEL SET say the same');
});

test('sentinelConfigLines: the discovery user beside requirepass, its password hashed, its rules read back', (t) => {
  const lines = sentinelConfigLines({
    bind: BIND,
    announce: ANNOUNCE,
    dataDir: '/d',
    sets: new Map([['mymaster', R]]),
    settings: settings({ password: 'admin', auth: { name: 'sentinel', password: 's' } }),
    access: { password: 'sentinel-admin', users: { discovery: { name: 'discovery', password: 'd-secret' } } },
  });
  t.false(lines.join('\n').includes('d-secret'));
  const users = parse(lines).filter((a) => a[0] === 'user');
  t.is(users.length, 1);
  t.deepEqual(users[0]!.slice(0, 4), ['user', 'discovery', 'reset', 'on']);
  t.regex(users[0]![4]!, /^#[0-9a-f]{64}$/);
  t.deepEqual(users[0]!.slice(5), [
    '-@all',
    '+ping',
    '+role',
    '+sentinel|get-master-addr-by-name',
    '+sentinel|masters',
    '+sentinel|master',
    '+sentinel|replicas',
    '+sentinel|slaves',
    '+sentinel|sentinels',
    '+subscribe',
    '+psubscribe',
    '+unsubscribe',
    '+punsubscribe',
    '&*',
  ]);
  t.deepEqual(sentinelLines(lines, 'auth-user', 'mymaster'), [['sentinel', 'auth-user', 'mymaster', 'sentinel']]);
  // Without Sentinel's own password the default user is open to anyone: no user is made.
  const open = sentinelConfigLines({
    bind: BIND,
    announce: ANNOUNCE,
    dataDir: '/d',
    sets: new Map(),
    settings: settings(),
    access: { users: { discovery: { name: 'discovery', password: 'd' } } },
  });
  t.deepEqual(
    parse(open).filter((a) => a[0] === 'user'),
    [],
  );
});

// A fresh Sentinel starts at ZooKeeper's newest config epoch (nemesis seed 976999871).
for (const [currentEpoch, expected] of [
  [undefined, []],
  [0, []],
  [-1, []],
  [7, [['sentinel', 'current-epoch', '7']]],
] as const) {
  test(`sentinelConfigLines: ZooKeeper's newest epoch ${currentEpoch} -> ${expected.length ? 'sentinel current-epoch' : 'no current-epoch line'}`, (t) => {
    const lines = sentinelConfigLines({ bind: BIND, announce: ANNOUNCE, dataDir: '/d', sets: new Map([['mymaster', R]]), settings: settings(), currentEpoch });
    t.deepEqual(
      parse(lines).filter((a) => a[0] === 'sentinel' && a[1] === 'current-epoch'),
      expected.map((l) => [...l]),
    );
  });
}
