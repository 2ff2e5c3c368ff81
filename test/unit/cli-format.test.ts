import test from 'ava';
import { historyTable, printable, table } from '../../packages/cli/src/format';
import { renderHaproxyConfig } from '../../packages/cli/src/haproxy/render';

test('table: columns padded to the widest cell, no trailing blanks', (t) => {
  t.is(
    table([
      ['A', 'BB', 'C'],
      ['long', 'x', ''],
    ]),
    'A     BB  C\nlong  x',
  );
});

test('historyTable: a row per change, unknown values as -', (t) => {
  const text = historyTable(
    [{ at: Date.UTC(2026, 10, 30, 6, 0, 0), from: null, to: '10.0.0.1:6379', cause: 'election', epoch: 0, by: '', reason: 'first start' }],
    true,
  );
  t.regex(text, /^TIME\s+CAUSE\s+FROM\s+TO\s+EPOCH\s+OUTAGE\s+GAP\s+BY\s+REASON$/m);
  t.regex(text, /^2026-11-30T06:00:00Z\s+election\s+-\s+10\.0\.0\.1:6379\s+0\s+-\s+-\s+-\s+first start$/m);
});

test('historyTable: the write outage with what it measures, and the offset gap', (t) => {
  const text = historyTable(
    [
      {
        at: Date.UTC(2026, 10, 30, 6, 0, 0),
        from: '10.0.0.1:6379',
        to: '10.0.0.2:6379',
        cause: 'crash-failover',
        epoch: 3,
        durationMs: 812,
        outageBasis: 'death-to-promotion',
        lastOffset: 5000,
        promotedOffset: 4880,
        offsetGapBytes: 120,
        by: 'redis-wrapper 10.0.0.1:6379',
        reason: 'died',
      },
    ],
    false,
  );
  t.regex(text, /crash-failover\s+10\.0\.0\.1:6379\s+10\.0\.0\.2:6379\s+3\s+812 ms \(death-to-promotion\)\s+120 B\s+redis-wrapper/);
});

test("renderHaproxyConfig: a check on each node's API address, the read endpoint optional", (t) => {
  const nodes = [
    { redis: { host: '10.0.0.1', port: 31001 }, api: { host: '10.0.0.1', port: 31002 } },
    { redis: { host: '10.0.0.2', port: 31001 }, api: { host: '10.0.0.9', port: 8008 } },
  ];
  const cfg = renderHaproxyConfig({ set: 'cache', nodes, writeBind: { host: '0.0.0.0', port: 6379 }, maxLagBytes: 10 });
  t.regex(cfg, /server node_10_0_0_1_31001 10\.0\.0\.1:31001 check port 31002$/m);
  t.regex(cfg, /server node_10_0_0_2_31001 10\.0\.0\.2:31001 check port 8008 addr 10\.0\.0\.9$/m);
  t.notRegex(cfg, /redis_cache_read/);
  t.notRegex(cfg, /stats socket/);
  const withRead = renderHaproxyConfig({
    set: 'cache',
    nodes,
    writeBind: { host: '0.0.0.0', port: 6379 },
    readBind: { host: '::', port: 6380 },
    maxLagBytes: 10,
    statsSocket: '/run/h.sock',
  });
  t.regex(withRead, /bind \[::\]:6380/);
  t.regex(withRead, /option httpchk GET \/replica\?lag=10/);
  t.regex(withRead, /stats socket \/run\/h\.sock mode 600 level admin/);
});

test('renderHaproxyConfig refuses what is outside its grammar: a stats socket path, a host that is not one', (t) => {
  const ok = [{ redis: { host: '10.0.0.1', port: 1 }, api: { host: '10.0.0.1', port: 2 } }];
  const base = { set: 'cache', writeBind: { host: '0.0.0.0', port: 6379 }, maxLagBytes: 10 };
  t.throws(() => renderHaproxyConfig({ ...base, nodes: ok, statsSocket: '/run/a b' }), { message: /stats socket path/ });
  t.throws(() => renderHaproxyConfig({ ...base, nodes: ok, statsSocket: ['/run/$', '{X}'].join('') }), { message: /stats socket path/ });
  t.throws(() => renderHaproxyConfig({ ...base, nodes: [{ redis: { host: 'a#b', port: 1 }, api: { host: '10.0.0.1', port: 2 } }] }), {
    message: /not an address/,
  });
});

test('printable: control characters (escape sequences, bell, C1) become ?, newlines and tabs stay', (t) => {
  t.is(printable('a\u001b[2Jb\u0007c\u009bd'), 'a?[2Jb?c?d');
  t.is(printable('line 1\n\tline 2'), 'line 1\n\tline 2');
});
