import test from 'ava';
import { decide, type Decision, type ElectionSnapshot } from '../../packages/redis-wrapper/src/election/decide';
import { type Address, formatAddress } from '../../packages/core/src/address';
import type { Probe } from '../../packages/core/src/redis/probe';
import type { SentinelView } from '../../packages/core/src/sentinel/query';
import type { StoredMemberRecord } from '../../packages/core/src/members/record';
import { addr, dead, liveMaster, liveReplica, notMonitoring, sentinelView, unreachableSentinel } from '../helpers/fixtures';

// ---- snapshot builder ------------------------------------------------------------------------

const SELF = addr('10.0.0.1:6379');
const R = addr('10.0.0.2:6379'); // what ZooKeeper registers as master
const A = addr('10.0.0.3:6379');
const B = addr('10.0.0.4:6379');
const C = addr('10.0.0.5:6379');
const S1 = addr('10.0.1.1:26379');
const S2 = addr('10.0.1.2:26379');
const S3 = addr('10.0.1.3:26379');
const S4 = addr('10.0.1.4:26379');
const S5 = addr('10.0.1.5:26379');
const V6 = addr('[fd00::7]:6379');
const sentinel = (s: Address, master: Address | null, o: { failover?: boolean; epoch?: number } = {}): SentinelView => sentinelView(s, master, o);

interface SnapInput {
  self?: Address;
  selfDataBytes?: number;
  registered?: Address | null;
  nodes?: Address[];
  probes?: Probe[];
  sentinels?: SentinelView[];
  contenders?: Array<{ address: Address; dataBytes: number; dataId?: string; neverPromote?: boolean }>;
  selfNeverPromote?: boolean;
  selfDataId?: string;
  records?: StoredMemberRecord[];
  elapsedMs?: number;
  timeoutMs?: number;
  dataWaitMs?: number;
  complete?: boolean;
}

const snap = (i: SnapInput = {}): ElectionSnapshot => ({
  self: i.self ?? SELF,
  selfDataBytes: i.selfDataBytes ?? 0,
  selfDataId: i.selfDataId ?? 'self-data',
  records: i.records ?? [],
  registered: i.registered ?? null,
  nodes: i.nodes ?? [],
  probes: new Map((i.probes ?? []).map((p) => [formatAddress(p.address), p])),
  sentinels: i.sentinels ?? [],
  contenders: i.contenders ?? [],
  elapsedMs: i.elapsedMs ?? 0,
  timeoutMs: i.timeoutMs ?? 60_000,
  dataWaitMs: i.dataWaitMs ?? 0,
  complete: i.complete ?? true,
  ...(i.selfNeverPromote ? { selfNeverPromote: true } : {}),
});

// ---- cases -----------------------------------------------------------------------------------

interface Case {
  title: string;
  snapshot: ElectionSnapshot;
  expected: { kind: Decision['kind']; master?: Address; reason?: RegExp };
  /** Documents a known bug in decide (see the comment on the case). */
}

const cases: Case[] = [
  // Rule 4: nothing anywhere.
  {
    title: 'empty ZooKeeper, nothing live -> become-master',
    snapshot: snap(),
    expected: { kind: 'become-master', reason: /no master registered/ },
  },
  {
    title: 'empty ZooKeeper, sentinels do not monitor the set yet -> become-master',
    snapshot: snap({ sentinels: [notMonitoring(S1), notMonitoring(S2), unreachableSentinel(S3)] }),
    expected: { kind: 'become-master' },
  },

  // Rule 1: a live master named by ZooKeeper or agreed by the sentinels.
  {
    title: 'registered live master -> replicate it',
    snapshot: snap({ registered: R, nodes: [R], probes: [liveMaster(R, { keys: 3 })] }),
    expected: { kind: 'replicate', master: R, reason: /ZooKeeper names/ },
  },
  {
    title: 'registered live master, sentinels agree on it -> replicate it',
    snapshot: snap({ registered: R, nodes: [R], probes: [liveMaster(R)], sentinels: [sentinel(S1, R), sentinel(S2, R), sentinel(S3, R)] }),
    expected: { kind: 'replicate', master: R, reason: /ZooKeeper agrees/ },
  },
  {
    title: 'registered IPv6 live master -> replicate it',
    snapshot: snap({ registered: V6, nodes: [V6], probes: [liveMaster(V6)] }),
    expected: { kind: 'replicate', master: V6 },
  },
  {
    title: 'registered dead, all sentinels agree on a live master -> replicate that',
    snapshot: snap({
      registered: R,
      nodes: [A],
      probes: [dead(R), liveMaster(A)],
      sentinels: [sentinel(S1, A), sentinel(S2, A), sentinel(S3, A)],
    }),
    expected: { kind: 'replicate', master: A, reason: /3\/3 sentinels agree/ },
  },
  {
    title: 'registered dead, 2 of 3 sentinels agree on a live master (one lags) -> replicate that',
    snapshot: snap({
      registered: R,
      probes: [dead(R), liveMaster(A)],
      sentinels: [sentinel(S1, A), sentinel(S2, R), sentinel(S3, A)],
    }),
    expected: { kind: 'replicate', master: A, reason: /2\/3 sentinels agree/ },
  },
  {
    title: 'registered dead, sentinels agree on a live master that nobody registered under nodes -> replicate that',
    snapshot: snap({ registered: R, probes: [dead(R), liveMaster(A)], sentinels: [sentinel(S1, A), sentinel(S2, A)] }),
    expected: { kind: 'replicate', master: A },
  },
  {
    title: 'sentinels agree on a dead address, nothing else live -> not followed (become-master)',
    snapshot: snap({ probes: [dead(A)], sentinels: [sentinel(S1, A), sentinel(S2, A), sentinel(S3, A)] }),
    expected: { kind: 'become-master' },
  },
  {
    title: 'sentinels agree on a dead address, ZooKeeper names a live master -> ZooKeeper followed',
    snapshot: snap({ registered: R, nodes: [R], probes: [liveMaster(R), dead(A)], sentinels: [sentinel(S1, A), sentinel(S2, A), sentinel(S3, A)] }),
    expected: { kind: 'replicate', master: R, reason: /ZooKeeper names/ },
  },
  {
    title: 'sentinels agree on an address that answers as a replica -> not followed as a master',
    snapshot: snap({ registered: R, nodes: [R], probes: [liveMaster(R), liveReplica(A, R)], sentinels: [sentinel(S1, A), sentinel(S2, A)] }),
    expected: { kind: 'replicate', master: R },
  },
  {
    title: 'sentinel majority and ZooKeeper disagree, both live masters -> sentinels win',
    snapshot: snap({
      registered: R,
      nodes: [R, A],
      probes: [liveMaster(R, { keys: 10 }), liveMaster(A, { keys: 10 })],
      sentinels: [sentinel(S1, A, { epoch: 2 }), sentinel(S2, A, { epoch: 2 }), sentinel(S3, R, { epoch: 1 })],
    }),
    expected: { kind: 'replicate', master: A, reason: new RegExp(`ZooKeeper names ${formatAddress(R)}`) },
  },
  {
    title: 'sentinels agree on a live master, ZooKeeper has nothing -> sentinels followed',
    snapshot: snap({ probes: [liveMaster(A)], sentinels: [sentinel(S1, A), sentinel(S2, A), sentinel(S3, A)] }),
    expected: { kind: 'replicate', master: A, reason: /ZooKeeper names nothing/ },
  },

  // Minorities and ties are not followed.
  {
    title: '1 of 3 sentinels names another live master -> the minority is not followed',
    snapshot: snap({
      registered: R,
      nodes: [R, A],
      probes: [liveMaster(R), liveMaster(A)],
      sentinels: [sentinel(S1, A), sentinel(S2, R), sentinel(S3, R)],
    }),
    expected: { kind: 'replicate', master: R },
  },
  {
    title: '1 of 3 sentinels names a live master, the other two name dead ones -> not followed (ZooKeeper wins)',
    snapshot: snap({
      registered: R,
      nodes: [R, A],
      probes: [liveMaster(R), liveMaster(A), dead(B), dead(C)],
      sentinels: [sentinel(S1, A), sentinel(S2, B), sentinel(S3, C)],
    }),
    expected: { kind: 'replicate', master: R, reason: /ZooKeeper names/ },
  },
  {
    title: '1-1 sentinel tie between two live masters -> neither followed, ZooKeeper wins',
    snapshot: snap({
      registered: R,
      nodes: [R, A, B],
      probes: [liveMaster(R), liveMaster(A), liveMaster(B)],
      sentinels: [sentinel(S1, A), sentinel(S2, B)],
    }),
    expected: { kind: 'replicate', master: R, reason: /ZooKeeper names/ },
  },
  {
    title: '2-2 sentinel tie, registered dead, both named masters live in nodes -> wait',
    snapshot: snap({
      registered: R,
      nodes: [A, B],
      probes: [dead(R), liveMaster(A), liveMaster(B)],
      sentinels: [sentinel(S1, A), sentinel(S2, A), sentinel(S3, B), sentinel(S4, B)],
    }),
    expected: { kind: 'wait', reason: /several live masters/ },
  },
  {
    title: '1-1 sentinel tie, registered dead, one side live master in nodes -> replicate it as the only live master',
    snapshot: snap({
      registered: R,
      nodes: [A],
      probes: [dead(R), liveMaster(A)],
      sentinels: [sentinel(S1, A), sentinel(S2, R)],
    }),
    expected: { kind: 'replicate', master: A, reason: /only live master/ },
  },

  // Who votes.
  {
    title: 'unreachable sentinels do not vote: 1 answering sentinel of 3 is a majority of voters',
    snapshot: snap({
      registered: R,
      nodes: [R, A],
      probes: [liveMaster(R), liveMaster(A)],
      sentinels: [sentinel(S1, A), unreachableSentinel(S2), unreachableSentinel(S3)],
    }),
    expected: { kind: 'replicate', master: A, reason: /1\/1 sentinels agree/ },
  },
  {
    title: 'sentinels that do not monitor the set do not vote',
    snapshot: snap({
      registered: R,
      nodes: [R, A],
      probes: [liveMaster(R), liveMaster(A)],
      sentinels: [sentinel(S1, A), notMonitoring(S2), notMonitoring(S3)],
    }),
    expected: { kind: 'replicate', master: A, reason: /1\/1 sentinels agree/ },
  },
  {
    title: 'unreachable and non-monitoring sentinels do not break a tie',
    snapshot: snap({
      registered: R,
      nodes: [R, A, B],
      probes: [liveMaster(R), liveMaster(A), liveMaster(B)],
      sentinels: [sentinel(S1, A), sentinel(S2, B), unreachableSentinel(S3), notMonitoring(S4), unreachableSentinel(S5)],
    }),
    expected: { kind: 'replicate', master: R, reason: /ZooKeeper names/ },
  },
  {
    title: 'all sentinels unreachable, registered dead, nothing live -> become-master',
    snapshot: snap({ registered: R, probes: [dead(R)], sentinels: [unreachableSentinel(S1), unreachableSentinel(S2), unreachableSentinel(S3)] }),
    expected: { kind: 'become-master' },
  },

  // Rule 2: ZooKeeper's master is now a replica.
  {
    title: 'registered node answers as a replica of a live master -> follow that master',
    snapshot: snap({ registered: R, nodes: [R], probes: [liveReplica(R, A, { linkUp: true }), liveMaster(A)] }),
    expected: { kind: 'replicate', master: A, reason: /now a replica/ },
  },
  {
    title: 'registered node is a replica of a dead master -> wait',
    snapshot: snap({ registered: R, nodes: [R], probes: [liveReplica(R, A, { keys: 5 }), dead(A)] }),
    expected: { kind: 'wait', reason: /replica/ },
  },
  {
    title: 'registered node is a replica of an unprobed master -> wait',
    snapshot: snap({ registered: R, nodes: [R], probes: [liveReplica(R, A)] }),
    expected: { kind: 'wait' },
  },
  {
    title: 'registered node is a replica with no known master -> wait',
    snapshot: snap({ registered: R, nodes: [R], probes: [liveReplica(R, null)] }),
    expected: { kind: 'wait' },
  },
  {
    title: 'registered node is a replica of another replica -> wait',
    snapshot: snap({ registered: R, nodes: [R, A], probes: [liveReplica(R, A), liveReplica(A, B), dead(B)] }),
    expected: { kind: 'wait' },
  },

  // Rule 3: ZooKeeper's master is dead.
  {
    title: 'registered dead, failover in progress on every sentinel -> wait',
    snapshot: snap({
      registered: R,
      nodes: [A],
      probes: [dead(R), liveReplica(A, R, { offset: 100 })],
      sentinels: [sentinel(S1, R, { failover: true }), sentinel(S2, R, { failover: true }), sentinel(S3, R, { failover: true })],
    }),
    expected: { kind: 'wait', reason: /failing over/ },
  },
  {
    title: 'registered dead, failover in progress on one sentinel of 3 -> wait',
    snapshot: snap({
      registered: R,
      probes: [dead(R)],
      sentinels: [sentinel(S1, R, { failover: true }), sentinel(S2, R), sentinel(S3, R)],
    }),
    expected: { kind: 'wait', reason: /failing over/ },
  },
  {
    title: 'registered dead, failover in progress, one live master in nodes -> wait rather than follow it',
    snapshot: snap({
      registered: R,
      nodes: [A, B],
      probes: [dead(R), liveMaster(A), liveReplica(B, R)],
      sentinels: [sentinel(S1, R, { failover: true }), sentinel(S2, R)],
    }),
    expected: { kind: 'wait', reason: /failing over/ },
  },
  {
    title: 'nothing registered, failover in progress -> wait (never become master mid-failover)',
    snapshot: snap({ sentinels: [sentinel(S1, R, { failover: true })], probes: [dead(R)] }),
    expected: { kind: 'wait' },
  },
  {
    title: 'registered dead, exactly one live master among nodes -> replicate it',
    snapshot: snap({
      registered: R,
      nodes: [A, B],
      probes: [dead(R), liveMaster(A, { keys: 4 }), dead(B)],
    }),
    expected: { kind: 'replicate', master: A, reason: /only live master/ },
  },
  {
    title: 'registered dead, one live master and live replicas among nodes -> replicate the master',
    snapshot: snap({
      registered: R,
      nodes: [A, B, C],
      probes: [dead(R), liveReplica(A, R, { offset: 50 }), liveMaster(B), liveReplica(C, B)],
    }),
    expected: { kind: 'replicate', master: B },
  },
  {
    title: 'nothing registered, exactly one live master among nodes -> replicate it',
    snapshot: snap({ nodes: [A], probes: [liveMaster(A)] }),
    expected: { kind: 'replicate', master: A },
  },
  {
    title: 'registered dead, two live masters among nodes -> wait',
    snapshot: snap({ registered: R, nodes: [A, B], probes: [dead(R), liveMaster(A), liveMaster(B)] }),
    expected: { kind: 'wait', reason: /several live masters/ },
  },
  {
    title: 'live replicas holding keys, no live master -> wait',
    snapshot: snap({ registered: R, nodes: [A, B], probes: [dead(R), liveReplica(A, R, { keys: 12 }), liveReplica(B, R)] }),
    expected: { kind: 'wait', reason: /hold data/ },
  },
  {
    title: 'live replica with a replication offset but no keys, no live master -> wait',
    snapshot: snap({ registered: R, nodes: [A], probes: [dead(R), liveReplica(A, R, { offset: 4242 })] }),
    expected: { kind: 'wait', reason: /hold data/ },
  },
  {
    title: 'live empty replicas, no live master -> wait',
    snapshot: snap({ registered: R, nodes: [A, B], probes: [dead(R), liveReplica(A, R), liveReplica(B, R)] }),
    expected: { kind: 'wait', reason: /have no live master/ },
  },
  {
    title: 'live empty replicas, no live master, self has data -> still wait',
    snapshot: snap({ selfDataBytes: 1_000_000, registered: R, nodes: [A], probes: [dead(R), liveReplica(A, R)] }),
    expected: { kind: 'wait' },
  },

  // Rule 4: whole-set restart and contenders.
  {
    title: 'whole-set restart: registered dead, nodes dead, sentinels name the dead master, no failover -> become-master',
    snapshot: snap({
      selfDataBytes: 2048,
      registered: R,
      nodes: [R, A, B],
      probes: [dead(R), dead(A), dead(B)],
      sentinels: [sentinel(S1, R), sentinel(S2, R), sentinel(S3, R)],
      contenders: [{ address: A, dataBytes: 2048 }],
    }),
    expected: { kind: 'become-master', reason: /not live/ },
  },
  {
    title: 'whole-set restart, nodes with no probe at all -> become-master',
    snapshot: snap({ registered: R, nodes: [A, B], probes: [dead(R)] }),
    expected: { kind: 'become-master' },
  },
  {
    title: 'self has no data, another contender has data -> wait',
    snapshot: snap({
      selfDataBytes: 0,
      registered: R,
      probes: [dead(R)],
      contenders: [
        { address: A, dataBytes: 0 },
        { address: B, dataBytes: 10_000 },
      ],
    }),
    expected: { kind: 'wait', reason: /holds data/ },
  },
  {
    title: 'self has data, another contender has data -> become-master',
    snapshot: snap({ selfDataBytes: 1, registered: R, probes: [dead(R)], contenders: [{ address: A, dataBytes: 10_000 }] }),
    expected: { kind: 'become-master' },
  },
  {
    title: 'self has no data, contenders have none either -> become-master',
    snapshot: snap({ selfDataBytes: 0, registered: R, probes: [dead(R)], contenders: [{ address: A, dataBytes: 0 }] }),
    expected: { kind: 'become-master' },
  },
  {
    title: 'self has no data, the only contender with data is self (stale lock node) -> become-master',
    snapshot: snap({ selfDataBytes: 0, contenders: [{ address: SELF, dataBytes: 500 }] }),
    expected: { kind: 'become-master' },
  },
  {
    title: 'restart on the same address: self is the registered master and unreachable -> become-master',
    snapshot: snap({ selfDataBytes: 100, registered: SELF, nodes: [SELF], probes: [dead(SELF)], sentinels: [sentinel(S1, SELF), sentinel(S2, SELF)] }),
    expected: { kind: 'become-master' },
  },

  // Timeouts.
  {
    title: 'wait past timeoutMs -> give-up',
    snapshot: snap({ registered: R, nodes: [A, B], probes: [dead(R), liveMaster(A), liveMaster(B)], elapsedMs: 60_001, timeoutMs: 60_000 }),
    expected: { kind: 'give-up', reason: /60000 ms/ },
  },
  {
    title: 'wait exactly at timeoutMs -> give-up',
    snapshot: snap({ registered: R, nodes: [A], probes: [dead(R), liveReplica(A, R)], elapsedMs: 5000, timeoutMs: 5000 }),
    expected: { kind: 'give-up' },
  },
  {
    title: 'wait before timeoutMs -> still wait',
    snapshot: snap({ registered: R, nodes: [A], probes: [dead(R), liveReplica(A, R)], elapsedMs: 4999, timeoutMs: 5000 }),
    expected: { kind: 'wait' },
  },
  {
    title: 'timeoutMs 0 (forever) with a huge elapsedMs -> still wait',
    snapshot: snap({ registered: R, nodes: [A, B], probes: [dead(R), liveMaster(A), liveMaster(B)], elapsedMs: Number.MAX_SAFE_INTEGER, timeoutMs: 0 }),
    expected: { kind: 'wait' },
  },
  {
    title: 'a decisive outcome past timeoutMs is not turned into give-up (replicate)',
    snapshot: snap({ registered: R, probes: [liveMaster(R)], elapsedMs: 999_999, timeoutMs: 1000 }),
    expected: { kind: 'replicate', master: R },
  },
  {
    title: 'a decisive outcome past timeoutMs is not turned into give-up (become-master)',
    snapshot: snap({ elapsedMs: 999_999, timeoutMs: 1000 }),
    expected: { kind: 'become-master' },
  },

  // Never replicate to self.
  {
    title: 'self is a live master named by ZooKeeper and all sentinels -> become-master, not replicate self',
    snapshot: snap({
      registered: SELF,
      nodes: [SELF],
      probes: [liveMaster(SELF, { keys: 9 })],
      sentinels: [sentinel(S1, SELF), sentinel(S2, SELF), sentinel(S3, SELF)],
    }),
    expected: { kind: 'become-master' },
  },
  {
    title: 'registered node is a replica of self -> wait, not replicate self',
    snapshot: snap({ registered: R, nodes: [R], probes: [liveReplica(R, SELF), liveMaster(SELF)] }),
    expected: { kind: 'wait' },
  },
  {
    title: 'self is the only live master among nodes -> become-master, not replicate self',
    snapshot: snap({ registered: R, nodes: [SELF, A], probes: [dead(R), liveMaster(SELF), dead(A)] }),
    expected: { kind: 'become-master' },
  },
  {
    title: 'self and one other live master among nodes -> replicate the other, self is not counted',
    snapshot: snap({ registered: R, nodes: [SELF, A], probes: [dead(R), liveMaster(SELF), liveMaster(A)] }),
    expected: { kind: 'replicate', master: A },
  },

  // A live master known only from a sentinel or a replica's upstream (its registration under
  // nodes/ late or missing) is still the set's master: followed, never doubled.
  {
    title: 'registered dead, a live master known only from a minority sentinel (not in nodes) -> replicate it, never become-master',
    snapshot: snap({
      selfDataBytes: 0,
      registered: R,
      nodes: [],
      probes: [dead(R), liveMaster(A, { keys: 1000 })],
      sentinels: [sentinel(S1, A, { epoch: 2 }), sentinel(S2, R, { epoch: 1 })],
    }),
    expected: { kind: 'replicate', master: A },
  },
  {
    title: 'registered dead, 2 of 3 sentinels name it, 1 names a live master not in nodes -> replicate it, never become-master',
    snapshot: snap({
      selfDataBytes: 0,
      registered: R,
      nodes: [],
      probes: [dead(R), liveMaster(A, { keys: 1000 })],
      sentinels: [sentinel(S1, A, { epoch: 2 }), sentinel(S2, R, { epoch: 1 }), sentinel(S3, R, { epoch: 1 })],
    }),
    expected: { kind: 'replicate', master: A },
  },
  {
    title: 'live replica in nodes follows a live master that is not in nodes -> replicate that master',
    snapshot: snap({ registered: R, nodes: [A], probes: [dead(R), liveReplica(A, B, { linkUp: true, offset: 10 }), liveMaster(B)] }),
    expected: { kind: 'replicate', master: B },
  },
];

for (const c of cases) {
  test(c.title, (t) => {
    const d = decide(c.snapshot);
    t.is(d.kind, c.expected.kind, `reason: ${d.reason}`);
    t.is(typeof d.reason, 'string');
    t.true(d.reason.trim().length > 0, 'reason must not be empty');
    if (c.expected.reason) t.regex(d.reason, c.expected.reason);
    if (d.kind === 'replicate') {
      t.false(d.master.host === c.snapshot.self.host && d.master.port === c.snapshot.self.port, 'must never replicate to itself');
      if (c.expected.master) t.deepEqual({ host: d.master.host, port: d.master.port }, { host: c.expected.master.host, port: c.expected.master.port });
    } else {
      t.is(c.expected.master, undefined, 'case expects a master but the decision has none');
    }
  });
}

test('decide does not mutate its snapshot', (t) => {
  const s = snap({ registered: R, nodes: [A, B], probes: [dead(R), liveMaster(A)], sentinels: [sentinel(S1, A)] });
  const before = JSON.stringify({ ...s, probes: [...s.probes] });
  decide(s);
  t.is(JSON.stringify({ ...s, probes: [...s.probes] }), before);
});

// After a whole-set loss, an empty node gives nodes with data a head start.
const dataWaitCases: Array<{ title: string; snapshot: ElectionSnapshot; kind: Decision['kind'] }> = [
  {
    title: 'empty node, set existed, within dataWaitMs -> wait',
    snapshot: snap({ registered: R, probes: [dead(R)], selfDataBytes: 0, elapsedMs: 2000, dataWaitMs: 10_000 }),
    kind: 'wait',
  },
  {
    title: 'empty node, set existed, dataWaitMs passed -> become-master',
    snapshot: snap({ registered: R, probes: [dead(R)], selfDataBytes: 0, elapsedMs: 10_000, dataWaitMs: 10_000 }),
    kind: 'become-master',
  },
  {
    title: 'node with data, set existed -> become-master at once',
    snapshot: snap({ registered: R, probes: [dead(R)], selfDataBytes: 4096, elapsedMs: 0, dataWaitMs: 10_000 }),
    kind: 'become-master',
  },
  {
    title: 'empty ZooKeeper (first bootstrap) -> become-master at once',
    snapshot: snap({ selfDataBytes: 0, elapsedMs: 0, dataWaitMs: 10_000 }),
    kind: 'become-master',
  },
];
for (const c of dataWaitCases) {
  test(`data wait: ${c.title}`, (t) => {
    const d = decide(c.snapshot);
    t.is(d.kind, c.kind, d.reason);
  });
}

// A quick snapshot (ZooKeeper's master and the sentinels only) settles rules 1 and 2, and asks
// for more otherwise: it never becomes master or waits on partial knowledge.
const quickCases: Array<{ title: string; snapshot: ElectionSnapshot; kind: Decision['kind'] }> = [
  { title: 'quick: registered live master -> replicate', snapshot: snap({ complete: false, registered: A, probes: [liveMaster(A)] }), kind: 'replicate' },
  {
    title: 'quick: registered dead -> read-more, never become-master',
    snapshot: snap({ complete: false, registered: R, probes: [dead(R)] }),
    kind: 'read-more',
  },
  { title: 'quick: empty ZooKeeper -> read-more', snapshot: snap({ complete: false }), kind: 'read-more' },
  {
    title: 'quick: registered is a replica of a live master -> replicate',
    snapshot: snap({ complete: false, registered: A, probes: [liveReplica(A, B), liveMaster(B)] }),
    kind: 'replicate',
  },
];
for (const c of quickCases) {
  test(c.title, (t) => t.is(decide(c.snapshot).kind, c.kind));
}

// After a whole-set loss, the longest history wins (member records; see members/freshness.ts).
const OLD = 'b'.repeat(40); // an earlier history (before the last failover)
const NEW = 'c'.repeat(40); // the latest: the registered master's
const rec = (dataId: string, address: Address, role: 'master' | 'replica', replid: string, offset: number, mzxid: number): StoredMemberRecord => ({
  dataId,
  address,
  role,
  replid,
  offset,
  following: null,
  linkUp: role === 'replica',
  mzxid: BigInt(mzxid),
  mtimeMs: 1_000_000 + mzxid,
});
// R was the master of the latest history (offset 900); A its replica (880, written later); B is
// from before the failover (old history, 1000: more bytes, but an abandoned branch).
const records = [rec('r-data', R, 'master', NEW, 900, 10), rec('a-data', A, 'replica', NEW, 880, 12), rec('b-data', B, 'replica', OLD, 1000, 5)];
const freshCases: Array<{ title: string; snapshot: ElectionSnapshot; kind: Decision['kind']; reason?: RegExp }> = [
  {
    title: "the latest history's master restarts first -> become-master at once",
    snapshot: snap({ registered: R, probes: [dead(R)], selfDataBytes: 100, selfDataId: 'r-data', records, dataWaitMs: 10_000 }),
    kind: 'become-master',
  },
  {
    title: 'its replica first, the master not back, within dataWaitMs -> wait for it',
    snapshot: snap({ registered: R, probes: [dead(R)], selfDataBytes: 100, selfDataId: 'a-data', records, elapsedMs: 500, dataWaitMs: 10_000 }),
    kind: 'wait',
    reason: /longest history is r-data/,
  },
  {
    title: 'its replica, the master never back, dataWaitMs passed -> become-master (the longest present)',
    snapshot: snap({ registered: R, probes: [dead(R)], selfDataBytes: 100, selfDataId: 'a-data', records, elapsedMs: 10_000, dataWaitMs: 10_000 }),
    kind: 'become-master',
  },
  {
    title: 'its replica, the master queued on the lock -> wait, even past dataWaitMs',
    snapshot: snap({
      registered: R,
      probes: [dead(R)],
      selfDataBytes: 100,
      selfDataId: 'a-data',
      records,
      elapsedMs: 30_000,
      dataWaitMs: 10_000,
      contenders: [{ address: C, dataBytes: 100, dataId: 'r-data' }],
    }),
    kind: 'wait',
    reason: /contender 10\.0\.0\.5:6379 holds a longer history/,
  },
  {
    title: 'the old-history node (more bytes) first -> waits for the latest history',
    snapshot: snap({ registered: R, probes: [dead(R)], selfDataBytes: 100, selfDataId: 'b-data', records, elapsedMs: 0, dataWaitMs: 10_000 }),
    kind: 'wait',
    reason: /longest history is r-data/,
  },
  {
    title: "the old-history node, past dataWaitMs, the latest's replica queued -> wait for it",
    snapshot: snap({
      registered: R,
      probes: [dead(R)],
      selfDataBytes: 100,
      selfDataId: 'b-data',
      records,
      elapsedMs: 20_000,
      dataWaitMs: 10_000,
      contenders: [{ address: A, dataBytes: 5, dataId: 'a-data' }],
    }),
    kind: 'wait',
    reason: /longer history/,
  },
  {
    title: "the master's data dir came back empty (record but no data) -> ranks as empty, waits",
    snapshot: snap({ registered: R, probes: [dead(R)], selfDataBytes: 0, selfDataId: 'r-data', records, elapsedMs: 0, dataWaitMs: 10_000 }),
    kind: 'wait',
  },
  {
    title: 'a contender of an older version (no dataId) does not block the freshest',
    snapshot: snap({ registered: R, probes: [dead(R)], selfDataBytes: 100, selfDataId: 'r-data', records, contenders: [{ address: A, dataBytes: 10_000 }] }),
    kind: 'become-master',
  },
  {
    title: "no records (set from an older version) -> today's rule: data goes ahead",
    snapshot: snap({ registered: R, probes: [dead(R)], selfDataBytes: 100, selfDataId: 'x', dataWaitMs: 10_000 }),
    kind: 'become-master',
  },
  {
    title: "ZooKeeper's master has no record: the master record written last names the latest history",
    snapshot: snap({
      registered: C,
      probes: [dead(C)],
      selfDataBytes: 100,
      selfDataId: 'b-data',
      dataWaitMs: 10_000,
      records: [rec('r-data', R, 'master', NEW, 10, 3), rec('b-data', B, 'master', OLD, 1000, 9)],
    }),
    kind: 'become-master',
  },
];
for (const c of freshCases) {
  test(`freshest data: ${c.title}`, (t) => {
    const d = decide(c.snapshot);
    t.is(d.kind, c.kind, d.reason);
    if (c.reason) t.regex(d.reason, c.reason);
  });
}

// Node tags (#29): a never-promote node never wins the cold start while another node has data,
// and the others never wait for it (it would never go first: a deadlock).
const never = (r: StoredMemberRecord): StoredMemberRecord => ({ ...r, neverPromote: true });
const tagRecords = [never(rec('n-data', SELF, 'master', NEW, 900, 10)), rec('a-data', A, 'replica', NEW, 880, 12)];
const tagCases: Array<{ title: string; snapshot: ElectionSnapshot; kind: Decision['kind']; reason?: RegExp }> = [
  {
    title: 'never-promote and empty, a brand-new set (nothing anywhere) -> wait for another node to be master',
    snapshot: snap({ selfNeverPromote: true }),
    kind: 'wait',
    reason: /never-promote and empty/,
  },
  {
    title: 'never-promote and empty, past dataWaitMs, nobody else -> still wait (bounded by the timeout: give up)',
    snapshot: snap({ selfNeverPromote: true, elapsedMs: 60_000, timeoutMs: 60_000 }),
    kind: 'give-up',
  },
  {
    title: 'never-promote with the longest history, a promotable contender with data queued -> wait (even past dataWaitMs)',
    snapshot: snap({
      selfNeverPromote: true,
      registered: SELF,
      selfDataBytes: 100,
      selfDataId: 'n-data',
      records: tagRecords,
      elapsedMs: 30_000,
      dataWaitMs: 10_000,
      contenders: [{ address: A, dataBytes: 50, dataId: 'a-data' }],
    }),
    kind: 'wait',
    reason: /never-promote and contender 10\.0\.0\.3:6379 holds data/,
  },
  {
    title: 'never-promote, a promotable data dir with data not back, within dataWaitMs -> wait for it',
    snapshot: snap({
      selfNeverPromote: true,
      registered: SELF,
      selfDataBytes: 100,
      selfDataId: 'n-data',
      records: tagRecords,
      elapsedMs: 0,
      dataWaitMs: 10_000,
    }),
    kind: 'wait',
    reason: /never-promote and a-data .* may hold data/,
  },
  {
    title: 'never-promote, past dataWaitMs, no other node with data -> become-master (it alone holds the data)',
    snapshot: snap({
      selfNeverPromote: true,
      registered: SELF,
      selfDataBytes: 100,
      selfDataId: 'n-data',
      records: tagRecords,
      elapsedMs: 10_000,
      dataWaitMs: 10_000,
    }),
    kind: 'become-master',
  },
  {
    title: 'never-promote, only empty contenders -> become-master past dataWaitMs',
    snapshot: snap({
      selfNeverPromote: true,
      selfDataBytes: 100,
      selfDataId: 'n-data',
      records: [never(rec('n-data', SELF, 'master', NEW, 900, 10))],
      contenders: [{ address: A, dataBytes: 0, dataId: 'fresh' }],
    }),
    kind: 'become-master',
  },
  {
    title: 'never-promote, the other queued contender is never-promote too -> not waited for',
    snapshot: snap({
      selfNeverPromote: true,
      selfDataBytes: 100,
      selfDataId: 'n-data',
      records: [never(rec('n-data', SELF, 'master', NEW, 900, 10))],
      contenders: [{ address: A, dataBytes: 50, neverPromote: true }],
    }),
    kind: 'become-master',
  },
  {
    title: 'promotable replica, the never-promote node holds a longer history and is queued -> does not wait for it',
    snapshot: snap({
      self: A,
      registered: SELF,
      selfDataBytes: 50,
      selfDataId: 'a-data',
      records: tagRecords,
      contenders: [{ address: SELF, dataBytes: 100, dataId: 'n-data', neverPromote: true }],
      dataWaitMs: 10_000,
    }),
    kind: 'become-master',
  },
  {
    title: 'promotable replica, the never-promote node (longer history) not back -> does not wait for it',
    snapshot: snap({ self: A, registered: SELF, selfDataBytes: 50, selfDataId: 'a-data', records: tagRecords, dataWaitMs: 10_000 }),
    kind: 'become-master',
  },
  {
    title: 'an empty promotable node, the never-promote node with data queued -> waits for it (data is kept)',
    snapshot: snap({
      self: B,
      registered: SELF,
      selfDataBytes: 0,
      selfDataId: 'fresh',
      records: [never(rec('n-data', SELF, 'master', NEW, 900, 10))],
      contenders: [{ address: SELF, dataBytes: 100, dataId: 'n-data', neverPromote: true }],
      elapsedMs: 30_000,
      dataWaitMs: 10_000,
    }),
    kind: 'wait',
  },
];
for (const c of tagCases) {
  test(`node tags: ${c.title}`, (t) => {
    const d = decide(c.snapshot);
    t.is(d.kind, c.kind, d.reason);
    if (c.reason) t.regex(d.reason, c.reason);
  });
}
