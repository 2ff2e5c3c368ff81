import test from 'ava';
import { formatAddress } from '../../packages/core/src/address';
import { parseSentinelReplicas, type SentinelReplica } from '../../packages/core/src/sentinel/query';
import { sentinelPick, sentinelPickReadiness } from '../../packages/core/src/switchover/sentinel-pick';
import { addr, notMonitoring, sentinelReplica, sentinelView } from '../helpers/fixtures';

const M = addr('10.0.0.1:6379');
const A = addr('10.0.0.2:6379');
const B = addr('10.0.0.3:6379');
const C = addr('10.0.0.4:6379');
const S = [addr('10.0.0.7:26379'), addr('10.0.0.8:26379')];
const rep = (a: typeof A, o: Partial<SentinelReplica> = {}) => sentinelReplica(a, M, o);
const name = (r: { address: typeof A } | null) => (r ? formatAddress(r.address) : null);

const picks: Array<{ title: string; replicas: SentinelReplica[]; pick: typeof A | null }> = [
  { title: 'none listed', replicas: [], pick: null },
  { title: 'the greater offset', replicas: [rep(A, { offset: 10 }), rep(B, { offset: 12 })], pick: B },
  { title: 'the lower priority before the offset', replicas: [rep(A, { priority: 50, offset: 10 }), rep(B, { offset: 12 })], pick: A },
  { title: 'same offset: the lower run id', replicas: [rep(A, { offset: 12, runId: 'bb' }), rep(B, { offset: 12, runId: 'AA' })], pick: B },
  { title: 'same offset, one run id unknown: the known one', replicas: [rep(A, { offset: 12 }), rep(B, { offset: 12, runId: 'ff' })], pick: B },
  { title: 'same offset, no run ids: not known (a tie)', replicas: [rep(A, { offset: 12 }), rep(B, { offset: 12 })], pick: null },
  { title: 'priority 0 is never picked', replicas: [rep(A, { offset: 10 }), rep(B, { offset: 12, priority: 0 })], pick: A },
  { title: 'down for Sentinel is never picked', replicas: [rep(A, { offset: 10 }), rep(B, { offset: 12, up: false, ok: false })], pick: A },
  { title: 'link down but reachable: still picked', replicas: [rep(A, { offset: 10 }), rep(B, { offset: 12, ok: false })], pick: B },
  { title: 'INFO older than 30 s is never picked', replicas: [rep(A, { offset: 10 }), rep(B, { offset: 12, infoAgeMs: 30001 })], pick: A },
];
for (const c of picks) {
  test(`sentinelPick: ${c.title}`, (t) => {
    t.is(name(sentinelPick(c.replicas)), c.pick ? formatAddress(c.pick) : null);
  });
}

const readiness: Array<{
  title: string;
  views: ReturnType<typeof sentinelView>[];
  streamed: (typeof A)[];
  ready: Array<[typeof A, typeof A]>;
}> = [
  {
    title: 'picks A; A and B, the only ones it may promote, both streamed to: ready with A',
    views: [sentinelView(S[0]!, M, { replicas: [rep(A, { offset: 12 }), rep(B)] })],
    streamed: [A, B],
    ready: [[S[0]!, A]],
  },
  {
    title: 'it may also promote C, which the master does not stream to: not ready',
    views: [sentinelView(S[0]!, M, { replicas: [rep(A, { offset: 12 }), rep(B), rep(C, { ok: false })] })],
    streamed: [A, B],
    ready: [],
  },
  {
    title: 'C at priority 0 does not count',
    views: [sentinelView(S[0]!, M, { replicas: [rep(A, { offset: 12 }), rep(B), rep(C, { priority: 0 })] })],
    streamed: [A, B],
    ready: [[S[0]!, A]],
  },
  {
    title: 'its pick has its link down: not ready',
    views: [sentinelView(S[0]!, M, { replicas: [rep(A, { offset: 12, ok: false }), rep(B)] })],
    streamed: [A, B],
    ready: [],
  },
  { title: 'a tie: not ready', views: [sentinelView(S[0]!, M, { replicas: [rep(A), rep(B)] })], streamed: [A, B], ready: [] },
  {
    title: 'a sentinel failing over: none ready',
    views: [sentinelView(S[0]!, M, { replicas: [rep(A, { offset: 12 })] }), sentinelView(S[1]!, M, { failover: true })],
    streamed: [A],
    ready: [],
  },
  {
    title: 'one names another master, one does not monitor: only the one naming it, with its pick',
    views: [sentinelView(S[0]!, B, { replicas: [rep(A, { offset: 12 })] }), notMonitoring(S[1]!)],
    streamed: [A],
    ready: [],
  },
  {
    title: 'two sentinels, different picks (different offsets read): each with its own',
    views: [sentinelView(S[0]!, M, { replicas: [rep(A, { offset: 12 }), rep(B)] }), sentinelView(S[1]!, M, { replicas: [rep(A), rep(B, { offset: 12 })] })],
    streamed: [A, B],
    ready: [
      [S[0]!, A],
      [S[1]!, B],
    ],
  },
];
for (const c of readiness) {
  test(`sentinelPickReadiness: ${c.title}`, (t) => {
    const r = sentinelPickReadiness(c.views, M, c.streamed);
    t.deepEqual(
      r.ready.map((x) => [formatAddress(x.sentinel), formatAddress(x.target)]),
      c.ready.map(([s, a]) => [formatAddress(s), formatAddress(a)]),
    );
    if (c.ready.length === 0) t.truthy(r.waitingFor);
  });
}

test('parseSentinelReplicas: run id, and whether Sentinel reaches it apart from its link', (t) => {
  const entry = (flags: string, link: string) => ['ip', '10.0.0.2', 'port', '6379', 'runid', 'abc', 'flags', flags, 'master-link-status', link];
  const [linkDown, down] = parseSentinelReplicas([entry('slave', 'err'), entry('s_down,slave', 'ok')]);
  t.like(linkDown, { runId: 'abc', up: true, ok: false });
  t.like(down, { up: false, ok: false });
});
