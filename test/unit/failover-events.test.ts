import test from 'ava';
import { parseFailoverEvent, parseReplicaSelected } from '../../packages/core/src/sentinel/failover-events';

const via = { host: '10.0.0.9', port: 26379 };
const cases: Array<{ channel: string; message: string; expect: { name: string; from: string | null; to: string } | null }> = [
  { channel: '+switch-master', message: 'mymaster 10.0.0.1 6379 10.0.0.2 6380', expect: { name: 'mymaster', from: '10.0.0.1:6379', to: '10.0.0.2:6380' } },
  { channel: '+switch-master', message: '  cache  10.0.0.1 6379 10.0.0.2 6380\n', expect: { name: 'cache', from: '10.0.0.1:6379', to: '10.0.0.2:6380' } },
  { channel: '+switch-master', message: 'mymaster 10.0.0.1 6379 10.0.0.1 6379', expect: null },
  { channel: '+switch-master', message: 'mymaster 10.0.0.1 6379', expect: null },
  { channel: '+switch-master', message: 'mymaster 10.0.0.1 6379 10.0.0.2 notaport', expect: null },
  { channel: '+switch-master', message: '', expect: null },
  {
    channel: '+promoted-slave',
    message: 'slave 10.0.0.2:6380 10.0.0.2 6380 @ mymaster 10.0.0.1 6379',
    expect: { name: 'mymaster', from: '10.0.0.1:6379', to: '10.0.0.2:6380' },
  },
  { channel: '+promoted-slave', message: 'slave [::1]:6380 ::1 6380 @ cache ::1 6379', expect: { name: 'cache', from: '[::1]:6379', to: '[::1]:6380' } },
  { channel: '+promoted-slave', message: 'master mymaster 10.0.0.1 6379', expect: null },
  { channel: '+promoted-slave', message: 'slave 10.0.0.2:6380 10.0.0.2 6380', expect: null },
  { channel: '+promoted-slave', message: 'slave 10.0.0.2:6380 10.0.0.2 6380 @ mymaster 10.0.0.2 6380', expect: null },
  { channel: '+sdown', message: 'master mymaster 10.0.0.1 6379', expect: null },
];

for (const c of cases) {
  test(`${c.channel} ${JSON.stringify(c.message)} -> ${c.expect ? `${c.expect.name}: ${c.expect.to}` : 'ignored'}`, (t) => {
    const e = parseFailoverEvent(c.channel, c.message, via);
    if (!c.expect) {
      t.is(e, null);
      return;
    }
    t.truthy(e);
    t.is(e!.name, c.expect.name);
    t.is(e!.channel as string, c.channel);
    t.deepEqual(e!.via, via);
    const fmt = (a: { host: string; port: number } | null) => (a ? (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`) : null);
    t.is(fmt(e!.from), c.expect.from);
    t.is(fmt(e!.to), c.expect.to);
  });
}

const selectedCases: Array<{ message: string; expect: { name: string; replica: string; from: string } | null }> = [
  { message: 'slave 10.0.0.2:6380 10.0.0.2 6380 @ mymaster 10.0.0.1 6379', expect: { name: 'mymaster', replica: '10.0.0.2:6380', from: '10.0.0.1:6379' } },
  { message: 'slave [::1]:6380 ::1 6380 @ cache ::1 6379', expect: { name: 'cache', replica: '::1:6380', from: '::1:6379' } },
  { message: 'slave 10.0.0.2:6380 10.0.0.2 6380 @ mymaster 10.0.0.2 6380', expect: null },
  { message: 'master mymaster 10.0.0.1 6379', expect: null },
  { message: 'slave 10.0.0.2:6380 10.0.0.2 6380 @ mymaster', expect: null },
  { message: '', expect: null },
];

for (const c of selectedCases) {
  test(`+selected-slave ${JSON.stringify(c.message)} -> ${c.expect ? `${c.expect.name}: ${c.expect.replica}` : 'ignored'}`, (t) => {
    const e = parseReplicaSelected(c.message, via);
    if (!c.expect) {
      t.is(e, null);
      return;
    }
    t.deepEqual(
      { name: e?.name, replica: `${e?.replica.host}:${e?.replica.port}`, from: `${e?.from.host}:${e?.from.port}`, via: e?.via },
      { ...c.expect, via },
    );
  });
}
