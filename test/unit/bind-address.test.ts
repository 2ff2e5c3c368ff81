import test from 'ava';
import { type BindInputs, type BindSource, chooseBindAddress, isLoopback, zkHostList } from '../../packages/core/src/bind-address';

// The agent's view of itself as Mesos reports it, against the host's interfaces.
const interfaces: BindInputs['interfaces'] = {
  lo: [
    { address: '127.0.0.1', family: 'IPv4' },
    { address: '::1', family: 'IPv6' },
  ],
  ens5: [
    { address: '10.0.1.7', family: 'IPv4' },
    { address: '2001:db8::7', family: 'IPv6' },
    { address: 'fe80::1', family: 'IPv6' },
  ],
  docker0: [{ address: '172.17.0.1', family: 'IPv4' }],
};
const base: BindInputs = { hostAddresses: [], interfaces };

const chosen: Array<{ title: string; input: Partial<BindInputs>; host: string; source: BindSource; skipped?: number }> = [
  { title: 'BIND_IP wins over everything', input: { bindIp: '192.0.2.9', netIface: 'ens5', host: '10.0.1.7' }, host: '192.0.2.9', source: 'BIND_IP' },
  { title: 'NET_IFACE wins over HOST', input: { netIface: 'docker0', host: '10.0.1.7' }, host: '172.17.0.1', source: 'NET_IFACE' },
  { title: 'HOST an address of this host (DC/OS)', input: { host: '10.0.1.7', libprocessIp: '172.17.0.1' }, host: '10.0.1.7', source: 'HOST' },
  {
    title: 'HOST a name resolving to this host (plain Mesos)',
    input: { host: 'agent-7.example', hostAddresses: ['10.0.1.7'] },
    host: '10.0.1.7',
    source: 'HOST',
  },
  {
    title: 'HOST a name with several addresses: the local one',
    input: { host: 'agent-7.example', hostAddresses: ['203.0.113.5', '10.0.1.7'] },
    host: '10.0.1.7',
    source: 'HOST',
  },
  {
    title: 'HOST not local (NAT): LIBPROCESS_IP',
    input: { host: '203.0.113.5', libprocessIp: '10.0.1.7' },
    host: '10.0.1.7',
    source: 'LIBPROCESS_IP',
    skipped: 1,
  },
  {
    title: 'HOST a name that does not resolve: LIBPROCESS_IP',
    input: { host: 'agent-7.example', libprocessIp: '10.0.1.7' },
    host: '10.0.1.7',
    source: 'LIBPROCESS_IP',
    skipped: 1,
  },
  { title: 'only LIBPROCESS_IP', input: { libprocessIp: '10.0.1.7' }, host: '10.0.1.7', source: 'LIBPROCESS_IP' },
  { title: 'HOST IPv6 of this host', input: { host: '2001:db8::7' }, host: '2001:db8::7', source: 'HOST' },
  { title: 'BIND_IP on loopback still wins (a local run, the tests)', input: { bindIp: '127.0.0.1', host: 'localhost' }, host: '127.0.0.1', source: 'BIND_IP' },
  {
    title: 'HOST a name resolving to loopback and to this host: never the loopback one',
    input: { host: 'agent-7', hostAddresses: ['127.0.1.1', '10.0.1.7'] },
    host: '10.0.1.7',
    source: 'HOST',
  },
  {
    title: 'HOST a name resolving only to loopback (/etc/hosts): the route to ZooKeeper',
    input: { host: 'agent-7', hostAddresses: ['127.0.1.1'], zkRoute: { to: 'zk-1.example:2181', from: '10.0.1.7' } },
    host: '10.0.1.7',
    source: 'ZK_ROUTE',
    skipped: 1,
  },
  {
    title: 'HOST loopback as an address: the route to ZooKeeper',
    input: { host: '127.0.0.1', zkRoute: { to: '10.0.0.2:2181', from: '10.0.1.7' } },
    host: '10.0.1.7',
    source: 'ZK_ROUTE',
    skipped: 1,
  },
  {
    title: 'HOST ::1: the route to ZooKeeper over IPv6',
    input: { host: '::1', zkRoute: { to: '2001:db8::2:2181', from: '2001:db8::7' } },
    host: '2001:db8::7',
    source: 'ZK_ROUTE',
    skipped: 1,
  },
  {
    title: 'HOST loopback, LIBPROCESS_IP of this host: LIBPROCESS_IP before the route',
    input: { host: 'localhost', hostAddresses: ['127.0.0.1', '::1'], libprocessIp: '10.0.1.7', zkRoute: { to: '10.0.0.2:2181', from: '172.17.0.1' } },
    host: '10.0.1.7',
    source: 'LIBPROCESS_IP',
    skipped: 1,
  },
  {
    title: 'HOST loopback, LIBPROCESS_IP foreign (Docker task, no LIBPROCESS_IP of its own): the route',
    input: { host: 'localhost', hostAddresses: ['127.0.0.1'], libprocessIp: '203.0.113.5', zkRoute: { to: '10.0.0.2:2181', from: '10.0.1.7' } },
    host: '10.0.1.7',
    source: 'ZK_ROUTE',
    skipped: 2,
  },
  {
    title: 'LIBPROCESS_IP loopback, no HOST: the route',
    input: { libprocessIp: '127.0.0.1', zkRoute: { to: '10.0.0.2:2181', from: '10.0.1.7' } },
    host: '10.0.1.7',
    source: 'ZK_ROUTE',
    skipped: 1,
  },
];

for (const c of chosen) {
  test(`bind address: ${c.title}`, (t) => {
    const r = chooseBindAddress({ ...base, ...c.input });
    if (!r.ok) return t.fail(r.problem);
    t.is(r.host, c.host);
    t.is(r.source, c.source);
    t.is(r.skipped.length, c.skipped ?? 0);
    t.truthy(r.reason);
  });
}

const refused: Array<{ title: string; input: Partial<BindInputs>; says: RegExp }> = [
  {
    title: 'NET_IFACE naming no interface',
    input: { netIface: 'eth0', host: '10.0.1.7' },
    says: /NET_IFACE="eth0": no IPv4 address on that interface \(interfaces here: lo, ens5, docker0\)/,
  },
  { title: 'not under Mesos, nothing set', input: {}, says: /neither HOST nor LIBPROCESS_IP is set \(not under Mesos\); set BIND_IP .* or NET_IFACE/ },
  {
    title: 'HOST and LIBPROCESS_IP both foreign',
    input: { host: '203.0.113.5', libprocessIp: '198.51.100.1' },
    says: /HOST="203.0.113.5" \(203.0.113.5\) is not an address of this host; LIBPROCESS_IP="198.51.100.1" \(198.51.100.1\) is not an address/,
  },
  { title: 'LIBPROCESS_IP unspecified (0.0.0.0)', input: { libprocessIp: '0.0.0.0' }, says: /LIBPROCESS_IP="0.0.0.0"/ },
  { title: 'LIBPROCESS_IP not an address', input: { libprocessIp: 'junk' }, says: /LIBPROCESS_IP="junk" does not resolve/ },
  {
    title: 'HOST loopback, route to ZooKeeper loopback too (a laptop without BIND_IP)',
    input: { host: 'localhost', hostAddresses: ['127.0.0.1', '::1'], zkRoute: { to: '127.0.0.1:2181', from: '127.0.0.1' } },
    says: /no address other nodes can reach: HOST="localhost" resolves only to loopback \(127\.0\.0\.1, ::1\), and the route to ZooKeeper \(127\.0\.0\.1:2181\) leaves from 127\.0\.0\.1, loopback too; set HOST .* or BIND_IP/,
  },
  {
    title: 'HOST loopback as an address, no route to ZooKeeper found',
    input: { host: '127.0.0.1', zkRoute: { to: 'zk.invalid:2181', from: undefined } },
    says: /HOST="127\.0\.0\.1" is loopback, and no route to ZooKeeper \(zk\.invalid:2181\) was found/,
  },
  {
    title: 'HOST a name mapped to 127.0.1.1 (not listed on lo), route not yet asked',
    input: { host: 'agent-7', hostAddresses: ['127.0.1.1'] },
    says: /HOST="agent-7" resolves only to loopback \(127\.0\.1\.1\), and there is no ZooKeeper address/,
  },
  {
    title: 'HOST loopback, the route leaving from an address not of this host',
    input: { host: '127.0.0.1', zkRoute: { to: '10.0.0.2:2181', from: '192.0.2.1' } },
    says: /leaves from 192\.0\.2\.1, not an address of this host/,
  },
];

test('bind address: the route to ZooKeeper is asked for only when HOST or LIBPROCESS_IP gave only loopback', (t) => {
  const loopback = chooseBindAddress({ ...base, host: 'localhost', hostAddresses: ['127.0.0.1'] });
  t.true(!loopback.ok && loopback.routeMayHelp === true);
  const foreign = chooseBindAddress({ ...base, host: '203.0.113.5' });
  t.true(!foreign.ok && foreign.routeMayHelp === undefined, 'a foreign HOST: the route would not be used');
  const asked = chooseBindAddress({ ...base, host: 'localhost', hostAddresses: ['127.0.0.1'], zkRoute: { to: '127.0.0.1:2181', from: '127.0.0.1' } });
  t.true(!asked.ok && asked.routeMayHelp === undefined, 'asked once');
});

test('loopback addresses', (t) => {
  for (const a of ['127.0.0.1', '127.0.1.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) t.true(isLoopback(a), a);
  for (const a of ['10.0.1.7', '0.0.0.0', '::', '2001:db8::1', '::ffff:10.0.0.1', '128.0.0.1']) t.false(isLoopback(a), a);
});

test('ZK_HOSTS as hosts to find a route to', (t) => {
  t.deepEqual(zkHostList('zk-1.example:2181,10.0.0.2:2182/redis-zk'), [
    { host: 'zk-1.example', port: 2181 },
    { host: '10.0.0.2', port: 2182 },
  ]);
  t.deepEqual(zkHostList('[2001:db8::2]:2181'), [{ host: '2001:db8::2', port: 2181 }]);
  t.deepEqual(zkHostList(''), []);
});

for (const c of refused) {
  test(`bind address refused: ${c.title}`, (t) => {
    const r = chooseBindAddress({ ...base, ...c.input });
    if (r.ok) return t.fail(`chose ${r.host}`);
    t.regex(r.problem, c.says);
  });
}
