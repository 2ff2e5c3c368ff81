import test from 'ava';
import { type Consensus, newestConfig, type NewestConfig, sentinelConsensus } from '../../packages/core/src/set/facts';
import type { SentinelView } from '../../packages/core/src/sentinel/query';
import { type Address, parseAddress } from '../../packages/core/src/address';
import { notMonitoring, unreachableSentinel } from '../helpers/fixtures';

const addr = (text: string): Address => {
  const a = parseAddress(text);
  if (!a) throw new Error(`bad test address ${text}`);
  return a;
};

const A = addr('10.0.0.3:6379');
const B = addr('10.0.0.4:6379');
const C = addr('10.0.0.5:6379');
const V6 = addr('[fd00::7]:6379');
const S = [1, 2, 3, 4, 5, 6].map((i) => addr(`10.0.1.${i}:26379`)) as [Address, Address, Address, Address, Address, Address];

const vote = (s: Address, master: Address | null, o: { failover?: boolean; epoch?: number } = {}): SentinelView => ({
  sentinel: s,
  reachable: true,
  monitors: true,
  master,
  failoverInProgress: o.failover ?? false,
  configEpoch: o.epoch ?? 0,
  flags: ['master'],
  failoverTimeoutMs: 6000,
});
const unreachable = unreachableSentinel;

interface Case {
  title: string;
  views: SentinelView[];
  expected: Consensus;
}

const none = (voters: number, votes = 0, failoverInProgress = false): Consensus => ({ master: null, votes, voters, failoverInProgress, configEpoch: 0 });

const cases: Case[] = [
  { title: 'no sentinels -> no master', views: [], expected: none(0) },
  {
    title: 'unanimous 3/3',
    views: [vote(S[0], A, { epoch: 4 }), vote(S[1], A, { epoch: 4 }), vote(S[2], A, { epoch: 4 })],
    expected: { master: A, votes: 3, voters: 3, failoverInProgress: false, configEpoch: 4 },
  },
  {
    title: 'single sentinel is a majority of one',
    views: [vote(S[0], A, { epoch: 1 })],
    expected: { master: A, votes: 1, voters: 1, failoverInProgress: false, configEpoch: 1 },
  },
  {
    title: 'majority 2 of 3',
    views: [vote(S[0], A, { epoch: 2 }), vote(S[1], B, { epoch: 1 }), vote(S[2], A, { epoch: 2 })],
    expected: { master: A, votes: 2, voters: 3, failoverInProgress: false, configEpoch: 2 },
  },
  {
    title: 'majority 3 of 5 over a split minority',
    views: [vote(S[0], B), vote(S[1], A), vote(S[2], C), vote(S[3], A), vote(S[4], A)],
    expected: { master: A, votes: 3, voters: 5, failoverInProgress: false, configEpoch: 0 },
  },
  {
    title: 'IPv6 master address',
    views: [vote(S[0], V6), vote(S[1], { host: 'fd00::7', port: 6379 })],
    expected: { master: V6, votes: 2, voters: 2, failoverInProgress: false, configEpoch: 0 },
  },
  { title: '1-1 tie -> no master', views: [vote(S[0], A), vote(S[1], B)], expected: none(2, 1) },
  { title: '2-2 tie -> no master', views: [vote(S[0], A), vote(S[1], B), vote(S[2], B), vote(S[3], A)], expected: none(4, 2) },
  { title: 'plurality without majority (2-1-1) -> no master', views: [vote(S[0], A), vote(S[1], A), vote(S[2], B), vote(S[3], C)], expected: none(4, 2) },
  { title: '1-1-1 split -> no master', views: [vote(S[0], A), vote(S[1], B), vote(S[2], C)], expected: none(3, 1) },
  {
    title: 'unreachable sentinels do not vote (1 answering of 3 is a majority)',
    views: [unreachable(S[0]), vote(S[1], A, { epoch: 7 }), unreachable(S[2])],
    expected: { master: A, votes: 1, voters: 1, failoverInProgress: false, configEpoch: 7 },
  },
  { title: 'only unreachable sentinels -> no voters', views: [unreachable(S[0]), unreachable(S[1])], expected: none(0) },
  {
    title: 'non-monitoring sentinels do not vote',
    views: [notMonitoring(S[0]), vote(S[1], B, { epoch: 3 }), notMonitoring(S[2]), notMonitoring(S[3])],
    expected: { master: B, votes: 1, voters: 1, failoverInProgress: false, configEpoch: 3 },
  },
  {
    title: 'unreachable and non-monitoring do not break a tie',
    views: [vote(S[0], A), vote(S[1], B), unreachable(S[2]), notMonitoring(S[3]), unreachable(S[4])],
    expected: none(2, 1),
  },
  {
    title: 'monitoring sentinel with no master address does not vote',
    views: [vote(S[0], null), vote(S[1], A)],
    expected: { master: A, votes: 1, voters: 1, failoverInProgress: false, configEpoch: 0 },
  },
  {
    title: 'failover in progress on one sentinel is reported, majority still computed',
    views: [vote(S[0], A, { epoch: 5, failover: true }), vote(S[1], A, { epoch: 5 }), vote(S[2], B, { epoch: 4 })],
    expected: { master: A, votes: 2, voters: 3, failoverInProgress: true, configEpoch: 5 },
  },
  {
    title: 'failover in progress on a sentinel in the minority is reported',
    views: [vote(S[0], A), vote(S[1], A), vote(S[2], B, { failover: true })],
    expected: { master: A, votes: 2, voters: 3, failoverInProgress: true, configEpoch: 0 },
  },
  {
    title: 'failover in progress reported even with no majority',
    views: [vote(S[0], A, { failover: true }), vote(S[1], B)],
    expected: none(2, 1, true),
  },
  {
    title: 'failover flag from a non-monitoring sentinel is ignored',
    views: [notMonitoring(S[0], { failover: true }), vote(S[1], A)],
    expected: { master: A, votes: 1, voters: 1, failoverInProgress: false, configEpoch: 0 },
  },
  {
    title: "configEpoch is the highest epoch among the winner's voters",
    views: [vote(S[0], A, { epoch: 3 }), vote(S[1], A, { epoch: 9 }), vote(S[2], A, { epoch: 5 })],
    expected: { master: A, votes: 3, voters: 3, failoverInProgress: false, configEpoch: 9 },
  },
  {
    title: "configEpoch of the winner ignores a loser's higher epoch",
    views: [vote(S[0], A, { epoch: 2 }), vote(S[1], A, { epoch: 2 }), vote(S[2], B, { epoch: 8 })],
    expected: { master: A, votes: 2, voters: 3, failoverInProgress: false, configEpoch: 2 },
  },
  {
    title: 'configEpoch is 0 without a majority',
    views: [vote(S[0], A, { epoch: 6 }), vote(S[1], B, { epoch: 6 })],
    expected: none(2, 1),
  },
];

for (const c of cases) {
  test(c.title, (t) => {
    const got = sentinelConsensus(c.views);
    t.deepEqual(
      { ...got, master: got.master ? { host: got.master.host, port: got.master.port } : null },
      { ...c.expected, master: c.expected.master ? { host: c.expected.master.host, port: c.expected.master.port } : null },
    );
  });
}

test('the winner does not depend on the order of the views', (t) => {
  const views = [vote(S[0], B), vote(S[1], A), vote(S[2], A), vote(S[3], C), vote(S[4], A)];
  for (let i = 0; i < views.length; i += 1) {
    const rotated = [...views.slice(i), ...views.slice(0, i)];
    t.deepEqual(sentinelConsensus(rotated).master, A);
    t.deepEqual(sentinelConsensus([...rotated].reverse()).master, A);
  }
});

const withCurrent = (v: SentinelView, current: Address): SentinelView => (v.reachable ? { ...v, current } : v);
const newestCases: Array<{ title: string; views: SentinelView[]; expected: NewestConfig }> = [
  { title: 'none answers', views: [unreachable(S[0])], expected: { master: null, configEpoch: 0, answering: 0 } },
  {
    title: 'all at one epoch, agreeing',
    views: [vote(S[0], A, { epoch: 3 }), vote(S[1], A, { epoch: 3 })],
    expected: { master: A, configEpoch: 3, answering: 2 },
  },
  {
    title: "the failover's leader past the promotion (current B, epoch 4) beats a majority still at 3",
    views: [withCurrent(vote(S[0], A, { epoch: 4, failover: true }), B), vote(S[1], A, { epoch: 3 }), vote(S[2], A, { epoch: 3 })],
    expected: { master: B, configEpoch: 4, answering: 3 },
  },
  {
    title: 'disagreement at the newest epoch -> none',
    views: [vote(S[0], A, { epoch: 5 }), vote(S[1], B, { epoch: 5 }), vote(S[2], A, { epoch: 4 })],
    expected: { master: null, configEpoch: 5, answering: 3 },
  },
  {
    title: 'not monitoring and unreachable sentinels do not count',
    views: [notMonitoring(S[0]), unreachable(S[1]), vote(S[2], C, { epoch: 1 })],
    expected: { master: C, configEpoch: 1, answering: 1 },
  },
];
for (const c of newestCases) {
  test(`newest config: ${c.title}`, (t) => {
    const got = newestConfig(c.views);
    t.deepEqual(
      { ...got, master: got.master && { host: got.master.host, port: got.master.port } },
      {
        ...c.expected,
        master: c.expected.master && { host: c.expected.master.host, port: c.expected.master.port },
      },
    );
  });
}
