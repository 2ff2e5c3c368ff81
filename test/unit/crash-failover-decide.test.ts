import test from 'ava';
import { type CrashDecision, decideCrashFailover, failoverAskOrder } from '../../packages/redis-wrapper/src/node/crash-failover';
import { formatAddress } from '../../packages/core/src/address';
import type { SentinelView } from '../../packages/core/src/sentinel/query';
import { addr, notMonitoring, sentinelView, unreachableSentinel } from '../helpers/fixtures';

// Whether the wrapper of a dead master's redis-server asks Sentinel to fail over at once.
const SELF = addr('10.0.0.1:6379');
const P = addr('10.0.0.2:6379');
const S = [1, 2, 3].map((i) => addr(`10.0.1.${i}:26379`));

const cases: Array<{ title: string; views: SentinelView[]; kind: CrashDecision['kind']; asks?: number; reason?: RegExp }> = [
  { title: 'every sentinel names this node, none failing over -> ask', views: S.map((s) => sentinelView(s, SELF)), kind: 'ask', asks: 3 },
  {
    title: 'a majority names it, one unreachable -> ask the two that answer',
    views: S.map((s, i) => (i === 2 ? unreachableSentinel(s) : sentinelView(s, SELF))),
    kind: 'ask',
    asks: 2,
  },
  {
    title: 'Sentinel is already failing over (one sentinel says so) -> leave it to Sentinel',
    views: S.map((s, i) => sentinelView(s, SELF, { failover: i === 1 })),
    kind: 'leave',
    reason: /already running/,
  },
  {
    title: 'a sentinel that does not monitor the set counts for nothing -> ask (it refuses, the next is asked)',
    views: [sentinelView(S[0]!, SELF), sentinelView(S[1]!, SELF), notMonitoring(S[2]!, { failover: true })],
    kind: 'ask',
    asks: 3,
  },
  { title: 'the sentinels name another master -> leave', views: S.map((s) => sentinelView(s, P)), kind: 'leave', reason: /name 10\.0\.0\.2:6379/ },
  { title: 'no sentinel answers -> leave', views: S.map(unreachableSentinel), kind: 'leave', reason: /no majority/ },
  {
    title: 'split 1/1/1 -> leave',
    views: [sentinelView(S[0]!, SELF), sentinelView(S[1]!, P), sentinelView(S[2]!, addr('10.0.0.3:6379'))],
    kind: 'leave',
  },
];

const PAUSE = { by: 'redis-zk on ops1', at: 0, reason: 'maintenance' };
const pausedCases: typeof cases = [
  {
    title: 'paused (maintenance mode), every sentinel names this node -> leave',
    views: S.map((s) => sentinelView(s, SELF)),
    kind: 'leave',
    reason: /paused \(maintenance mode, by redis-zk on ops1\)/,
  },
  { title: 'paused, no sentinel answers -> leave (for the pause)', views: S.map(unreachableSentinel), kind: 'leave', reason: /paused/ },
];
for (const c of pausedCases) {
  test(`crash failover: ${c.title}`, (t) => {
    const d = decideCrashFailover(c.views, SELF, PAUSE);
    t.is(d.kind, c.kind);
    if (d.kind === 'leave' && c.reason) t.regex(d.reason, c.reason);
  });
}

for (const c of cases) {
  test(`crash failover: ${c.title}`, (t) => {
    const d = decideCrashFailover(c.views, SELF);
    t.is(d.kind, c.kind);
    if (d.kind === 'ask') t.is(d.ask.length, c.asks ?? -1);
    if (d.kind === 'leave' && c.reason) t.regex(d.reason, c.reason);
  });
}

// Whom the crash failover asks first: the sentinels that read the steering, those in TILT last.
const orders: Array<{ title: string; tilt: number[]; steered: number[]; order: number[] }> = [
  { title: 'nothing steered, none in TILT: as given', tilt: [], steered: [], order: [0, 1, 2] },
  { title: 'the steered one first', tilt: [], steered: [2], order: [2, 0, 1] },
  { title: 'one in TILT: last', tilt: [0], steered: [], order: [1, 2, 0] },
  { title: 'steered but in TILT: still last', tilt: [0], steered: [0], order: [1, 2, 0] },
];
for (const c of orders) {
  test(`failoverAskOrder: ${c.title}`, (t) => {
    const views = S.map((s, i) => sentinelView(s, SELF, { tilt: c.tilt.includes(i) }));
    const got = failoverAskOrder(
      views,
      c.steered.map((i) => S[i]!),
    ).map(formatAddress);
    t.deepEqual(
      got,
      c.order.map((i) => formatAddress(S[i]!)),
    );
  });
}
