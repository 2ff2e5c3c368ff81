import test from 'ava';
import { type BindInputs, type BindSource, chooseBindAddress } from '../../packages/core/src/bind-address';

// The agent's view of itself as Mesos reports it, against the host's interfaces.
const interfaces: BindInputs['interfaces'] = {
  lo: [
    { address: '127.0.0.1', family: 'IPv4' },
    { address: '::1', family: 'IPv6' },
  ],
  ens5: [
    { address: '10.0.1.7', family: 'IPv4' },
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
  { title: 'HOST on loopback (a local run)', input: { host: '127.0.0.1' }, host: '127.0.0.1', source: 'HOST' },
  { title: 'HOST IPv6 of this host', input: { host: '::1' }, host: '::1', source: 'HOST' },
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
];

for (const c of refused) {
  test(`bind address refused: ${c.title}`, (t) => {
    const r = chooseBindAddress({ ...base, ...c.input });
    if (r.ok) return t.fail(`chose ${r.host}`);
    t.regex(r.problem, c.says);
  });
}
