import test from 'ava';
import { formatAddress } from '../../packages/core/src/address';
import { parseSentinelReplicas, type SentinelReplica } from '../../packages/core/src/sentinel/query';
import { chooseTarget, type FailoverTiming, failoverTiming } from '../../packages/core/src/switchover/timing';
import { addr, notMonitoring, sentinelReplica, sentinelView, unreachableSentinel } from '../helpers/fixtures';

const timings: Array<{ age: number | null | undefined; kind: FailoverTiming['kind']; ms?: number }> = [
  { age: null, kind: 'now' },
  { age: undefined, kind: 'now' },
  { age: Number.NaN, kind: 'now' },
  { age: 0, kind: 'wait', ms: 720 },
  { age: 500, kind: 'wait', ms: 220 },
  { age: 619, kind: 'wait', ms: 101 },
  { age: 620, kind: 'now' },
  { age: 720, kind: 'now' },
  { age: 790, kind: 'now' },
  { age: 791, kind: 'next-info' },
  { age: 5000, kind: 'next-info' },
];
for (const c of timings) {
  test(`failoverTiming: INFO ${c.age} ms old → ${c.kind}`, (t) => {
    const r = failoverTiming(c.age);
    t.is(r.kind, c.kind);
    if (c.ms !== undefined) t.is(r.kind === 'wait' ? r.ms : -1, c.ms);
    t.true(r.reason.length > 0);
  });
}

const M = addr('10.0.0.1:6379');
const A = addr('10.0.0.2:6379');
const B = addr('10.0.0.3:6379');
const S = [addr('10.0.0.7:26379'), addr('10.0.0.8:26379')];
const rep = (a: typeof A, o: Partial<SentinelReplica> = {}): SentinelReplica => sentinelReplica(a, M, o);
const both = (a: Partial<SentinelReplica> = {}, b: Partial<SentinelReplica> = {}) => [sentinelView(S[0]!, M, { replicas: [rep(A, a), rep(B, b)] })];

const targets: Array<{ title: string; listed: Array<[typeof A, number]>; views: ReturnType<typeof sentinelView>[]; chosen: typeof A | null }> = [
  { title: 'the master lists no replica', listed: [], views: both(), chosen: null },
  {
    title: 'no sentinel names the master',
    listed: [[A, 10]],
    views: [sentinelView(S[0]!, B, { replicas: [rep(A)] }), unreachableSentinel(S[1]!)],
    chosen: null,
  },
  {
    title: 'the furthest along',
    listed: [
      [A, 10],
      [B, 12],
    ],
    views: both(),
    chosen: B,
  },
  {
    title: 'same offset: the lowest priority',
    listed: [
      [A, 12],
      [B, 12],
    ],
    views: both({ priority: 50 }),
    chosen: A,
  },
  {
    title: 'same offset and priority: the lower address',
    listed: [
      [B, 12],
      [A, 12],
    ],
    views: both(),
    chosen: A,
  },
  {
    title: 'priority 0 is never chosen',
    listed: [
      [A, 10],
      [B, 12],
    ],
    views: both({}, { priority: 0 }),
    chosen: A,
  },
  {
    title: 'priority 0 read by one sentinel is enough to rule it out',
    listed: [
      [A, 10],
      [B, 12],
    ],
    views: [...both(), sentinelView(S[1]!, M, { replicas: [rep(A), rep(B, { priority: 0 })] })],
    chosen: A,
  },
  {
    title: 'down for the sentinels',
    listed: [
      [A, 10],
      [B, 12],
    ],
    views: both({}, { ok: false }),
    chosen: A,
  },
  {
    title: 'unknown to Sentinel',
    listed: [
      [A, 10],
      [B, 12],
    ],
    views: [sentinelView(S[0]!, M, { replicas: [rep(A)] }), notMonitoring(S[1]!)],
    chosen: A,
  },
];
for (const c of targets) {
  test(`chooseTarget: ${c.title}`, (t) => {
    const r = chooseTarget(
      c.listed.map(([address, offset]) => ({ address, offset })),
      c.views,
      M,
    );
    t.is(r ? formatAddress(r) : null, c.chosen ? formatAddress(c.chosen) : null);
  });
}

test("parseSentinelReplicas: info-refresh is the age of Sentinel's last INFO reply", (t) => {
  const entry = (refresh?: string) => [
    'ip',
    '10.0.0.2',
    'port',
    '6379',
    'flags',
    'slave',
    'master-link-status',
    'ok',
    ...(refresh ? ['info-refresh', refresh] : []),
  ];
  const [withAge, without] = parseSentinelReplicas([entry('734'), entry()]);
  t.is(withAge?.infoAgeMs, 734);
  t.is(without?.infoAgeMs, undefined);
});
