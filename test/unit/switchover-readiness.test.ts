import test from 'ava';
import { byAddress, formatAddress } from '../../packages/core/src/address';
import type { SentinelReplica } from '../../packages/core/src/sentinel/query';
import { leaderFirst, onlyFirstAskedReady, sentinelMove, sentinelReadiness } from '../../packages/core/src/switchover/readiness';
import { addr, notMonitoring, sentinelReplica, sentinelView, unreachableSentinel } from '../helpers/fixtures';

const M = addr('10.0.0.1:6379');
const R1 = addr('10.0.0.2:6379');
const R2 = addr('10.0.0.3:6379');
const S = [addr('10.0.0.7:26379'), addr('10.0.0.8:26379'), addr('10.0.0.9:26379')];
const rep = (a: typeof R1, o: Partial<SentinelReplica> = {}): SentinelReplica => sentinelReplica(a, M, o);

const cases: Array<{ title: string; views: ReturnType<typeof sentinelView>[]; target?: typeof R1; ready: number; waiting?: RegExp }> = [
  {
    title: 'a sentinel failing over: none ready',
    views: [sentinelView(S[0]!, M, { replicas: [rep(R1)] }), sentinelView(S[1]!, M, { failover: true, replicas: [rep(R1)] })],
    ready: 0,
    waiting: /in progress/,
  },
  { title: 'no sentinel answers', views: [unreachableSentinel(S[0]!), notMonitoring(S[1]!)], ready: 0, waiting: /no sentinel answers/ },
  { title: 'they name another master', views: [sentinelView(S[0]!, R2, { replicas: [rep(R1)] })], ready: 0, waiting: /to name 10.0.0.1:6379/ },
  { title: 'no replica with its link up', views: [sentinelView(S[0]!, M, { replicas: [rep(R1, { ok: false })] })], ready: 0, waiting: /link up/ },
  { title: 'a replica with its link up: ready', views: [sentinelView(S[0]!, M, { replicas: [rep(R1)] }), sentinelView(S[1]!, M, { replicas: [] })], ready: 1 },
  { title: 'only replicas of priority 0: none ready', views: [sentinelView(S[0]!, M, { replicas: [rep(R1, { priority: 0 })] })], ready: 0 },
  { title: 'target up, the other priority 0: ready', target: R1, views: [sentinelView(S[0]!, M, { replicas: [rep(R1), rep(R2, { priority: 0 })] })], ready: 1 },
  { title: 'target up, the other down: ready', target: R1, views: [sentinelView(S[0]!, M, { replicas: [rep(R1), rep(R2, { ok: false })] })], ready: 1 },
  {
    title: 'target up, the other still eligible: wait for Sentinel to read the priority',
    target: R1,
    views: [sentinelView(S[0]!, M, { replicas: [rep(R1), rep(R2)] })],
    ready: 0,
    waiting: /replica-priority 0/,
  },
  {
    title: 'target unknown to Sentinel',
    target: R1,
    views: [sentinelView(S[0]!, M, { replicas: [rep(R2, { priority: 0 })] })],
    ready: 0,
    waiting: /to know 10.0.0.2:6379/,
  },
  {
    title: 'target link down',
    target: R1,
    views: [sentinelView(S[0]!, M, { replicas: [rep(R1, { ok: false })] })],
    ready: 0,
    waiting: /to know 10.0.0.2:6379/,
  },
  {
    title: 'only the sentinels that see the priorities are asked',
    target: R1,
    views: [sentinelView(S[0]!, M, { replicas: [rep(R1), rep(R2)] }), sentinelView(S[1]!, M, { replicas: [rep(R1), rep(R2, { priority: 0 })] })],
    ready: 1,
  },
  {
    title: 'a sentinel in TILT is not asked (it would act only when TILT ends)',
    target: R1,
    views: [
      sentinelView(S[0]!, M, { replicas: [rep(R1), rep(R2, { priority: 0 })] }),
      sentinelView(S[1]!, M, { tilt: true, replicas: [rep(R1), rep(R2, { priority: 0 })] }),
    ],
    ready: 1,
  },
  {
    title: 'every sentinel in TILT: wait for it to end',
    views: [sentinelView(S[0]!, M, { tilt: true, replicas: [rep(R1)] })],
    ready: 0,
    waiting: /leave TILT/,
  },
];
for (const c of cases) {
  test(`sentinelReadiness: ${c.title}`, (t) => {
    const r = sentinelReadiness(c.views, M, c.target);
    t.is(r.ready.length, c.ready);
    if (c.waiting) t.regex(r.waitingFor, c.waiting);
  });
}

const moves: Array<{ title: string; views: ReturnType<typeof sentinelView>[]; kind: 'none' | 'pause' | 'follow'; to?: typeof R1 }> = [
  {
    title: 'a majority names another master: follow it',
    views: [sentinelView(S[0]!, R1), sentinelView(S[1]!, R1), sentinelView(S[2]!, M)],
    kind: 'follow',
    to: R1,
  },
  {
    title: 'the leader failing over, the others name another master already: follow it',
    views: [sentinelView(S[0]!, M, { failover: true }), sentinelView(S[1]!, R1), sentinelView(S[2]!, R1)],
    kind: 'follow',
    to: R1,
  },
  {
    title: 'the leader gives clients the promoted replica at a newer epoch, the others still name this master: follow it',
    views: [sentinelView(S[0]!, M, { failover: true, current: R1, epoch: 2 }), sentinelView(S[1]!, M), sentinelView(S[2]!, M)],
    kind: 'follow',
    to: R1,
  },
  {
    title: 'the leader done (names the promoted replica at a newer epoch), the others not told yet: follow it',
    views: [sentinelView(S[0]!, R1, { epoch: 2 }), sentinelView(S[1]!, M), sentinelView(S[2]!, M)],
    kind: 'follow',
    to: R1,
  },
  {
    title: 'a sentinel names another master at an older epoch (stale): none',
    views: [sentinelView(S[0]!, R1, { epoch: 1 }), sentinelView(S[1]!, M, { epoch: 2 }), sentinelView(S[2]!, M, { epoch: 2 })],
    kind: 'none',
  },
  {
    title: 'one failing over, the majority still on this master: pause',
    views: [sentinelView(S[0]!, M, { failover: true }), sentinelView(S[1]!, M)],
    kind: 'pause',
  },
  { title: 'no failover, the majority on this master: none', views: [sentinelView(S[0]!, M), sentinelView(S[1]!, M), sentinelView(S[2]!, R1)], kind: 'none' },
  { title: 'no majority, no failover: none', views: [sentinelView(S[0]!, M), sentinelView(S[1]!, R1)], kind: 'none' },
  { title: 'nobody answers: none', views: [unreachableSentinel(S[0]!), notMonitoring(S[1]!)], kind: 'none' },
];
for (const c of moves) {
  test(`sentinelMove: ${c.title}`, (t) => {
    const m = sentinelMove(c.views, M);
    t.is(m.kind, c.kind);
    if (c.to) t.deepEqual(m.kind === 'follow' ? m.to : null, c.to);
  });
}

// The failover's leader is the sentinel clients ask last: redis-py reads SENTINEL MASTERS, where
// the leader names the old master until the failover ends.
const leaders: Array<{ title: string; ready: string[]; asked: string[] }> = [
  { title: 'one ready: that one', ready: ['10.0.0.7:26379'], asked: ['10.0.0.7:26379'] },
  {
    title: 'three in list order: the last leads',
    ready: ['10.0.0.7:26379', '10.0.0.8:26379', '10.0.0.9:26379'],
    asked: ['10.0.0.9:26379', '10.0.0.7:26379', '10.0.0.8:26379'],
  },
  { title: 'out of order: sorted first', ready: ['10.0.0.9:26379', '10.0.0.7:26379'], asked: ['10.0.0.9:26379', '10.0.0.7:26379'] },
  { title: 'same host: by port, numerically', ready: ['h:26380', 'h:9999', 'h:26379'], asked: ['h:26380', 'h:9999', 'h:26379'] },
  { title: 'none ready: none', ready: [], asked: [] },
];
for (const c of leaders) {
  test(`leaderFirst: ${c.title}`, (t) => {
    t.deepEqual(leaderFirst(c.ready.map(addr)).map(formatAddress), c.asked);
  });
}

// Only the sentinel clients ask first is ready: the handover waits a little for another one.
const firstOnly: Array<{ title: string; answering: string[]; ready: string[]; expected: boolean }> = [
  {
    title: 'three answer, only the first listed ready: yes',
    answering: ['10.0.0.8:26379', '10.0.0.7:26379', '10.0.0.9:26379'],
    ready: ['10.0.0.7:26379'],
    expected: true,
  },
  {
    title: 'the first and the last ready: no',
    answering: ['10.0.0.7:26379', '10.0.0.8:26379', '10.0.0.9:26379'],
    ready: ['10.0.0.7:26379', '10.0.0.9:26379'],
    expected: false,
  },
  { title: 'only the second ready: no', answering: ['10.0.0.7:26379', '10.0.0.8:26379', '10.0.0.9:26379'], ready: ['10.0.0.8:26379'], expected: false },
  { title: 'one sentinel answers: nobody else to wait for', answering: ['10.0.0.7:26379'], ready: ['10.0.0.7:26379'], expected: false },
  { title: 'none ready: no', answering: ['10.0.0.7:26379', '10.0.0.8:26379'], ready: [], expected: false },
];
for (const c of firstOnly) {
  test(`onlyFirstAskedReady: ${c.title}`, (t) => {
    t.is(
      onlyFirstAskedReady(
        c.answering.map((s) => sentinelView(addr(s), M)),
        c.ready.map(addr),
      ),
      c.expected,
    );
  });
}

test('byAddress: host first, then port as a number', (t) => {
  const sorted = ['b:1', 'a:20', 'a:3', 'c:5'].map(addr).sort(byAddress).map(formatAddress);
  t.deepEqual(sorted, ['a:3', 'a:20', 'b:1', 'c:5']);
});
