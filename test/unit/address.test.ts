import test from 'ava';
import { type Address, addressOf, formatAddress, parseAddress, sameAddress } from '../../packages/core/src/address';

const valid: Array<{ title: string; input: string; expected: Address }> = [
  { title: 'IPv4 host:port', input: '10.0.0.1:6379', expected: { host: '10.0.0.1', port: 6379 } },
  { title: 'hostname:port', input: 'redis-1.example.com:26379', expected: { host: 'redis-1.example.com', port: 26379 } },
  { title: 'localhost', input: 'localhost:1', expected: { host: 'localhost', port: 1 } },
  { title: 'highest port', input: 'h:65535', expected: { host: 'h', port: 65535 } },
  { title: 'leading zeros in port', input: 'h:06379', expected: { host: 'h', port: 6379 } },
  { title: 'IPv6 loopback in brackets', input: '[::1]:6379', expected: { host: '::1', port: 6379 } },
  { title: 'IPv6 in brackets', input: '[fd00::7:1]:26379', expected: { host: 'fd00::7:1', port: 26379 } },
  { title: 'surrounding spaces trimmed', input: '  10.0.0.1:6379  ', expected: { host: '10.0.0.1', port: 6379 } },
  { title: 'surrounding tab and newline trimmed', input: '\t10.0.0.1:6379\n', expected: { host: '10.0.0.1', port: 6379 } },
];

for (const c of valid) {
  test(`parseAddress valid: ${c.title}`, (t) => {
    t.deepEqual(parseAddress(c.input), c.expected);
  });
}

const invalid: Array<{ title: string; input: string | null | undefined }> = [
  { title: 'undefined', input: undefined },
  { title: 'null', input: null },
  { title: 'empty', input: '' },
  { title: 'only spaces', input: '   ' },
  { title: 'no port', input: '10.0.0.1' },
  { title: 'colon without port', input: '10.0.0.1:' },
  { title: 'no host', input: ':6379' },
  { title: 'port 0', input: 'h:0' },
  { title: 'port 00000', input: 'h:00000' },
  { title: 'port 65536', input: 'h:65536' },
  { title: 'port 70000', input: 'h:70000' },
  { title: 'port with six digits', input: 'h:100000' },
  { title: 'negative port', input: 'h:-1' },
  { title: 'non-numeric port', input: 'h:abc' },
  { title: 'fractional port', input: 'h:63.5' },
  { title: 'a:b:c', input: 'a:b:c' },
  { title: 'two ports', input: 'a:1:2' },
  { title: 'bare IPv6 without brackets', input: '::1:6379' },
  { title: 'IPv6 in brackets without port', input: '[::1]' },
  { title: 'empty brackets', input: '[]:6379' },
  { title: 'space inside host', input: 'my host:6379' },
  { title: 'space before the port', input: 'h: 6379' },
  { title: 'space before the colon', input: 'h :6379' },
  { title: 'two addresses', input: 'a:1 b:2' },
  { title: 'comma list', input: 'a:1,b:2' },
  { title: 'JSON object text', input: '{"host":"10.0.0.1","port":6379}' },
  { title: 'JSON string text', input: '"10.0.0.1:6379"' },
  { title: 'URL', input: 'redis://10.0.0.1:6379' },
  { title: "HAProxy's comment character in the host", input: '10.0.0.1#x:6379' },
  { title: 'a variable to expand', input: ['$', '{HOME}:6379'].join('') },
  { title: 'a glob', input: '*:6379' },
  { title: 'a quote', input: 'a"b:6379' },
  { title: 'a control character', input: 'a\u001bb:6379' },
  { title: 'an underscore (not in a DNS name)', input: 'my_host:6379' },
  { title: 'a label starting with a hyphen', input: '-a.example:6379' },
  { title: 'an all-digit name that is not IPv4', input: '999.1.1.1:6379' },
  { title: 'a label over 63 characters', input: `${'a'.repeat(64)}.example:6379` },
];

for (const c of invalid) {
  test(`parseAddress invalid: ${c.title}`, (t) => {
    t.is(parseAddress(c.input), null);
  });
}

const formats: Array<{ title: string; input: Address; expected: string }> = [
  { title: 'IPv4', input: { host: '10.0.0.1', port: 6379 }, expected: '10.0.0.1:6379' },
  { title: 'hostname', input: { host: 'redis.local', port: 26379 }, expected: 'redis.local:26379' },
  { title: 'IPv6 gets brackets', input: { host: '::1', port: 6379 }, expected: '[::1]:6379' },
  { title: 'long IPv6 gets brackets', input: { host: '2001:db8::8a2e:370:7334', port: 1 }, expected: '[2001:db8::8a2e:370:7334]:1' },
];

for (const c of formats) {
  test(`formatAddress: ${c.title}`, (t) => {
    t.is(formatAddress(c.input), c.expected);
  });
}

const roundTrips = ['10.0.0.1:6379', 'redis-1.example.com:26379', '[::1]:6379', '[fd00::7:1]:65535', 'h:1'];

for (const text of roundTrips) {
  test(`round trip: ${text}`, (t) => {
    const a = parseAddress(text);
    t.truthy(a);
    t.is(formatAddress(a!), text);
    t.deepEqual(parseAddress(formatAddress(a!)), a);
  });
}

const same: Array<{ title: string; a: Address | null | undefined; b: Address | null | undefined; expected: boolean }> = [
  { title: 'equal', a: { host: 'h', port: 1 }, b: { host: 'h', port: 1 }, expected: true },
  { title: 'other port', a: { host: 'h', port: 1 }, b: { host: 'h', port: 2 }, expected: false },
  { title: 'other host', a: { host: 'h', port: 1 }, b: { host: 'g', port: 1 }, expected: false },
  { title: 'null', a: null, b: { host: 'h', port: 1 }, expected: false },
  { title: 'both undefined', a: undefined, b: undefined, expected: false },
];

for (const c of same) {
  test(`sameAddress: ${c.title}`, (t) => {
    t.is(sameAddress(c.a, c.b), c.expected);
  });
}

// Brackets are for IPv6 only: anything else in them is rejected, so what parses formats back
// to the same address.
const bracketed: Array<{ title: string; input: string }> = [
  { title: 'bracketed host with a space', input: '[a b]:1' },
  { title: 'bracketed IPv6 padded with spaces', input: '[ ::1 ]:6379' },
  { title: 'bracketed IPv4', input: '[10.0.0.1]:6379' },
];
for (const c of bracketed) {
  test(`parseAddress rejects brackets around anything but an IPv6 address: ${c.title}`, (t) => {
    t.is(parseAddress(c.input), null);
  });
}
for (const input of ['[::1]:6379', '[fd00::7]:26379', '10.0.0.1:6379', 'redis-1:6379']) {
  test(`parseAddress and formatAddress round-trip: ${input}`, (t) => {
    const a = parseAddress(input);
    t.truthy(a);
    t.is(formatAddress(a!), input);
  });
}

// Host and port given apart, as Redis and Sentinel do (INFO, SENTINEL replies, Pub/Sub events).
const apart: Array<{ host: unknown; port: unknown; expected: Address | null }> = [
  { host: '10.0.0.1', port: '6379', expected: { host: '10.0.0.1', port: 6379 } },
  { host: 'redis-1.example.com', port: 26379, expected: { host: 'redis-1.example.com', port: 26379 } },
  { host: '::1', port: '6380', expected: { host: '::1', port: 6380 } },
  { host: 'fd00::7:1', port: '6379', expected: { host: 'fd00::7:1', port: 6379 } },
  { host: '10.0.0.1', port: '0', expected: null },
  { host: '10.0.0.1', port: 'x', expected: null },
  { host: '10.0.0.1', port: undefined, expected: null },
  { host: '', port: '6379', expected: null },
  { host: undefined, port: '6379', expected: null },
  { host: 'a b', port: '6379', expected: null },
  { host: ['10.0.0.1'], port: '6379', expected: null },
];
for (const c of apart) {
  test(`addressOf(${JSON.stringify(c.host)}, ${JSON.stringify(c.port)}) -> ${c.expected ? formatAddress(c.expected) : 'null'}`, (t) => {
    t.deepEqual(addressOf(c.host, c.port), c.expected);
  });
}
