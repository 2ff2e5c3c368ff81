import test from 'ava';
import { planReset, type ResetDecision, type ResetSnapshot, type SentinelState } from '../../packages/watcher/src/cleanup/plan-reset';
import { type Address, formatAddress, parseAddress } from '../../packages/core/src/address';

// ---- snapshot builder ------------------------------------------------------------------------

const addr = (text: string): Address => {
  const a = parseAddress(text);
  if (!a) throw new Error(`bad test address ${text}`);
  return a;
};

const S1 = addr('10.0.0.1:26379'); // survivor
const S2 = addr('10.0.0.2:26379'); // survivor
const S3 = addr('10.0.0.3:26379'); // died; its Marathon task was replaced by S4
const S4 = addr('10.0.0.4:26379'); // the replacement
const S5 = addr('10.0.0.5:26379'); // another dead one
const V6 = addr('[fd00::3]:26379'); // a dead one with an IPv6 address

const NOW = 1_700_000_000_000;
const SEC = 1000;
const MIN = 60 * SEC;
const GRACE = MIN;
const SETTLE = 30 * SEC;

interface ViewOpts {
  replicas?: number;
  failover?: boolean;
  quorum?: number;
  resetAgo?: number;
}
const view = (address: Address, peers: Address[], o: ViewOpts = {}): SentinelState => ({
  address,
  peers,
  knownReplicas: o.replicas ?? 2,
  failoverInProgress: o.failover ?? false,
  quorum: o.quorum ?? 2,
  ...(o.resetAgo === undefined ? {} : { resetAt: NOW - o.resetAgo }),
});

/** Peers missing from ZooKeeper for that long. */
const missing = (entries: Array<[Address, number]>): ReadonlyMap<string, number> => new Map(entries.map(([a, ago]) => [formatAddress(a), NOW - ago]));

const snapshot = (o: Partial<ResetSnapshot> & Pick<ResetSnapshot, 'registered' | 'views'>): ResetSnapshot => ({
  name: 'cache',
  goneSince: missing([[S3, 5 * MIN]]),
  now: NOW,
  graceMs: GRACE,
  expectedReplicas: 2,
  settleTimeoutMs: SETTLE,
  ...o,
});

/** The usual aftermath: S3 died, Marathon started S4; S1 and S2 still count S3. */
const registered = [S1, S2, S4];
const s1Stale = view(S1, [S2, S3, S4]);
const s2Stale = view(S2, [S1, S3, S4]);
const s4Fresh = view(S4, [S1, S2]); // never saw S3

// ---- cases -----------------------------------------------------------------------------------

type Expected = { kind: 'reset'; sentinel: Address; stale: Address[]; reason: string[] } | { kind: 'wait' | 'none'; reason: string[] };

interface Case {
  title: string;
  snapshot: ResetSnapshot;
  expected: Expected;
}

const cases: Case[] = [
  // nothing stale
  {
    title: 'every peer registered: none',
    snapshot: snapshot({ registered, views: [view(S1, [S2, S4]), view(S2, [S1, S4]), s4Fresh], goneSince: new Map() }),
    expected: { kind: 'none', reason: ['every peer the 3 answering sentinels know is registered'] },
  },
  {
    title: 'no sentinel answered: none',
    snapshot: snapshot({ registered, views: [] }),
    expected: { kind: 'none', reason: ['no registered sentinel answered'] },
  },
  {
    title: 'peer missing for less than the grace: none, says how long is left',
    snapshot: snapshot({ registered, views: [s1Stale, s2Stale, s4Fresh], goneSince: missing([[S3, 20 * SEC]]) }),
    expected: { kind: 'none', reason: ['no stale peer', '10.0.0.3:26379 (missing for 20 s, 40 s left of the 60 s grace)'] },
  },
  {
    title: 'peer just noticed missing (no goneSince entry yet): none',
    snapshot: snapshot({ registered, views: [s1Stale, s2Stale, s4Fresh], goneSince: new Map() }),
    expected: { kind: 'none', reason: ['10.0.0.3:26379 (missing for 0 ms, 60 s left'] },
  },
  {
    title: 'peer missing a millisecond short of the grace: none',
    snapshot: snapshot({ registered, views: [s1Stale, s2Stale, s4Fresh], goneSince: missing([[S3, GRACE - 1]]) }),
    expected: { kind: 'none', reason: ['not gone for good yet: 10.0.0.3:26379'] },
  },
  {
    title: 'unregistered peer that a reset sentinel re-learned is alive: none, not a reset loop',
    snapshot: snapshot({
      registered,
      views: [view(S1, [S2, S3, S4], { resetAgo: 20 * SEC }), s2Stale, s4Fresh],
      goneSince: missing([[S3, 5 * MIN]]),
    }),
    expected: { kind: 'none', reason: ['still announcing itself', '10.0.0.3:26379 (missing for 5 min, but re-learned by 10.0.0.1:26379 after being reset)'] },
  },

  // reset
  {
    title: '3 sentinels, one dead and replaced: reset the first survivor',
    snapshot: snapshot({ registered, views: [s1Stale, s2Stale, s4Fresh] }),
    expected: {
      kind: 'reset',
      sentinel: S1,
      stale: [S3],
      reason: [
        '10.0.0.1:26379 still counts stale peer 10.0.0.3:26379 (missing for 5 min, grace 60 s)',
        '2 other sentinels know all 2 replicas (10.0.0.2:26379, 10.0.0.4:26379), quorum 2',
      ],
    },
  },
  {
    title: 'missing for exactly the grace: stale',
    snapshot: snapshot({ registered, views: [s1Stale, s2Stale, s4Fresh], goneSince: missing([[S3, GRACE]]) }),
    expected: { kind: 'reset', sentinel: S1, stale: [S3], reason: ['missing for 60 s, grace 60 s'] },
  },
  {
    title: 'first survivor recovered (replicas and peers): reset the second',
    snapshot: snapshot({ registered, views: [view(S1, [S2, S4], { resetAgo: 15 * SEC }), s2Stale, s4Fresh] }),
    expected: {
      kind: 'reset',
      sentinel: S2,
      stale: [S3],
      reason: ['10.0.0.2:26379 still counts stale peer 10.0.0.3:26379', '(10.0.0.1:26379, 10.0.0.4:26379), quorum 2'],
    },
  },
  {
    title: 'settle timeout passed: proceed to the next, saying so',
    snapshot: snapshot({ registered, views: [view(S1, [S2], { resetAgo: 45 * SEC }), s2Stale, s4Fresh] }),
    expected: {
      kind: 'reset',
      sentinel: S2,
      stale: [S3],
      reason: ['stopped waiting: 10.0.0.1:26379 still knows 2/2 replicas and 1/2 registered peers 45 s after its reset (settle timeout 30 s)'],
    },
  },
  {
    title: 'settle timeout reached exactly: proceed',
    snapshot: snapshot({ registered, views: [view(S1, [S2], { resetAgo: SETTLE }), s2Stale, s4Fresh] }),
    expected: { kind: 'reset', sentinel: S2, stale: [S3], reason: ['stopped waiting'] },
  },
  {
    title: 'several stale peers: the chosen sentinel forgets those it lists',
    snapshot: snapshot({
      registered,
      views: [view(S1, [S2, S3, S4]), view(S2, [S1, S3, S4, S5]), s4Fresh],
      goneSince: missing([
        [S3, 5 * MIN],
        [S5, 10 * MIN],
      ]),
    }),
    expected: { kind: 'reset', sentinel: S1, stale: [S3], reason: ['still counts stale peer 10.0.0.3:26379 ('] },
  },
  {
    title: 'sentinel listing several stale peers forgets all of them',
    snapshot: snapshot({
      registered,
      views: [view(S1, [S2, S4]), view(S2, [S1, S5, S3, S4]), s4Fresh],
      goneSince: missing([
        [S3, 5 * MIN],
        [S5, 10 * MIN],
      ]),
    }),
    expected: {
      kind: 'reset',
      sentinel: S2,
      stale: [S3, S5],
      reason: ['stale peers 10.0.0.3:26379, 10.0.0.5:26379 (10.0.0.3:26379 missing for 5 min, 10.0.0.5:26379 missing for 10 min'],
    },
  },
  {
    title: 'one peer stale and another still within its grace: reset for the stale one, mention the other',
    snapshot: snapshot({
      registered,
      views: [view(S1, [S2, S3, S4, S5]), s2Stale, s4Fresh],
      goneSince: missing([
        [S3, 5 * MIN],
        [S5, 10 * SEC],
      ]),
    }),
    expected: { kind: 'reset', sentinel: S1, stale: [S3], reason: ['not gone for good yet: 10.0.0.5:26379 (missing for 10 s'] },
  },
  {
    title: 'first candidate cannot be spared but the next can: reset the one whose reset keeps quorum',
    snapshot: snapshot({ registered, views: [s1Stale, view(S2, [S1, S3, S4], { replicas: 1 }), s4Fresh] }),
    expected: { kind: 'reset', sentinel: S2, stale: [S3], reason: ['2 other sentinels know all 2 replicas (10.0.0.1:26379, 10.0.0.4:26379), quorum 2'] },
  },
  {
    title: 'IPv6 stale peer, keyed by its formatted address',
    snapshot: snapshot({
      registered,
      views: [view(S1, [S2, V6, S4]), s2Stale, s4Fresh],
      goneSince: missing([
        [S3, 5 * MIN],
        [V6, 2 * MIN],
      ]),
    }),
    expected: { kind: 'reset', sentinel: S1, stale: [V6], reason: ['stale peer [fd00::3]:26379 (missing for 2 min, grace 60 s)'] },
  },
  {
    title: 'master without replicas: every sentinel knows them all',
    snapshot: snapshot({
      registered,
      views: [view(S1, [S2, S3, S4], { replicas: 0 }), view(S2, [S1, S4], { replicas: 0 }), view(S4, [S1, S2], { replicas: 0 })],
      expectedReplicas: 0,
    }),
    expected: { kind: 'reset', sentinel: S1, stale: [S3], reason: ['know all 0 replicas'] },
  },

  // wait
  {
    title: 'failover in progress: wait',
    snapshot: snapshot({ registered, views: [s1Stale, s2Stale, view(S4, [S1, S2], { failover: true })] }),
    expected: { kind: 'wait', reason: ['failover in progress (reported by 10.0.0.4:26379)', 'stale peer 10.0.0.3:26379'] },
  },
  {
    title: 'failover in progress even with a recovering sentinel: wait for the failover',
    snapshot: snapshot({ registered, views: [view(S1, [], { replicas: 0, resetAgo: SEC }), view(S2, [S1, S3, S4], { failover: true }), s4Fresh] }),
    expected: { kind: 'wait', reason: ['failover in progress (reported by 10.0.0.2:26379)'] },
  },
  {
    title: 'second survivor not reset while the first has not rediscovered its replicas',
    snapshot: snapshot({ registered, views: [view(S1, [], { replicas: 0, resetAgo: 3 * SEC }), s2Stale, s4Fresh] }),
    expected: {
      kind: 'wait',
      reason: [
        '10.0.0.1:26379 was reset 3 s ago and knows 0/2 replicas and 0/2 registered peers',
        'at most 27 s more',
        'before resetting another for stale peer 10.0.0.3:26379',
      ],
    },
  },
  {
    title: 'first survivor knows its replicas but not yet all its peers: wait',
    snapshot: snapshot({ registered, views: [view(S1, [S2], { resetAgo: 5 * SEC }), s2Stale, s4Fresh] }),
    expected: { kind: 'wait', reason: ['10.0.0.1:26379 was reset 5 s ago and knows 2/2 replicas and 1/2 registered peers'] },
  },
  {
    title: 'first survivor knows its peers but only some replicas: wait',
    snapshot: snapshot({ registered, views: [view(S1, [S2, S4], { replicas: 1, resetAgo: 5 * SEC }), s2Stale, s4Fresh] }),
    expected: { kind: 'wait', reason: ['knows 1/2 replicas and 2/2 registered peers'] },
  },
  {
    title: 'quorum 2, two survivors, one does not know the replicas: wait',
    snapshot: snapshot({ registered: [S1, S2], views: [view(S1, [S2, S3]), view(S2, [S1, S3], { replicas: 1 })] }),
    expected: {
      kind: 'wait',
      reason: [
        '1 of the 2 answering sentinels knows all 2 replicas (10.0.0.1:26379)',
        'resetting 10.0.0.1:26379 for stale peer 10.0.0.3:26379 would leave 0 others knowing them, fewer than quorum 2',
        'resetting 10.0.0.2:26379 would not leave enough either',
      ],
    },
  },
  {
    title: 'quorum 2, two survivors that both know the replicas: still wait (one would be left)',
    snapshot: snapshot({ registered: [S1, S2], views: [view(S1, [S2, S3]), view(S2, [S1, S3])] }),
    expected: { kind: 'wait', reason: ['would leave 1 other knowing them, fewer than quorum 2'] },
  },
  {
    title: 'highest reported quorum counts',
    snapshot: snapshot({ registered, views: [s1Stale, s2Stale, view(S4, [S1, S2], { quorum: 3 })] }),
    expected: { kind: 'wait', reason: ['would leave 2 others knowing them, fewer than quorum 3'] },
  },
  {
    title: 'registered sentinels that did not answer do not count towards quorum',
    snapshot: snapshot({ registered, views: [s1Stale, s2Stale] }),
    expected: { kind: 'wait', reason: ['2 of the 2 answering sentinels know all 2 replicas', 'would leave 1 other knowing them, fewer than quorum 2'] },
  },
  {
    title: 'sentinel still recovering past its reset does not count towards quorum after the settle timeout',
    snapshot: snapshot({ registered, views: [view(S1, [S2, S4], { replicas: 0, resetAgo: 2 * MIN }), s2Stale, s4Fresh] }),
    expected: { kind: 'wait', reason: ['would leave 1 other knowing them, fewer than quorum 2'] },
  },
];

// ---- runner ----------------------------------------------------------------------------------

const check = (t: import('ava').ExecutionContext, got: ResetDecision, expected: Expected): void => {
  t.is(got.kind, expected.kind, got.reason);
  if (expected.kind === 'reset' && got.kind === 'reset') {
    t.deepEqual(got.sentinel, expected.sentinel);
    t.deepEqual(got.stale, expected.stale);
  }
  t.true(got.reason.includes('replica set "cache"'), got.reason);
  for (const part of expected.reason) t.true(got.reason.includes(part), `reason ${JSON.stringify(got.reason)} lacks ${JSON.stringify(part)}`);
};

/** Every rotation of the views, reversed or not: watchers get answers in any order. */
const orders = <T>(xs: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < Math.max(xs.length, 1); i++) {
    const rotated = [...xs.slice(i), ...xs.slice(0, i)];
    out.push(rotated, [...rotated].reverse());
  }
  return out;
};

for (const c of cases) {
  test(`planReset: ${c.title}`, (t) => {
    check(t, planReset(c.snapshot), c.expected);
  });
  test(`planReset, same decision in any view order: ${c.title}`, (t) => {
    const first = planReset(c.snapshot);
    for (const views of orders(c.snapshot.views)) {
      t.deepEqual(planReset({ ...c.snapshot, views }), first);
      t.deepEqual(planReset({ ...c.snapshot, views, registered: [...c.snapshot.registered].reverse() }), first);
    }
  });
}

test('planReset does not modify its snapshot', (t) => {
  const views = [s2Stale, s4Fresh, s1Stale];
  const s = snapshot({ registered, views });
  const before = JSON.stringify(s.views);
  planReset(s);
  t.is(JSON.stringify(s.views), before);
  t.deepEqual(s.views, [s2Stale, s4Fresh, s1Stale]);
});

test('planReset: a reset sentinel re-learning a peer that went missing after its reset does not make that peer alive', (t) => {
  // S1 was reset 6 min ago and re-learned S5 then; S5 went missing from ZooKeeper 5 min ago.
  const s = snapshot({
    registered,
    views: [view(S1, [S2, S4, S5], { resetAgo: 6 * MIN }), view(S2, [S1, S4, S5]), s4Fresh],
    goneSince: missing([[S5, 5 * MIN]]),
  });
  const got = planReset(s);
  t.is(got.kind, 'reset', got.reason);
  if (got.kind === 'reset') {
    t.deepEqual(got.sentinel, S1);
    t.deepEqual(got.stale, [S5]);
  }
});

test('planReset walks a whole cleanup one sentinel at a time', (t) => {
  // tick 1: S1 and S2 both count the dead S3
  let d = planReset(snapshot({ registered, views: [s2Stale, s1Stale, s4Fresh] }));
  t.like(d, { kind: 'reset', sentinel: S1 });
  // tick 2: S1 just reset, knows nothing yet
  d = planReset(snapshot({ registered, views: [view(S1, [], { replicas: 0, resetAgo: 2 * SEC }), s2Stale, s4Fresh], now: NOW }));
  t.is(d.kind, 'wait');
  // tick 3: S1 knows its replicas, one peer so far
  d = planReset(snapshot({ registered, views: [view(S1, [S4], { resetAgo: 9 * SEC }), s2Stale, s4Fresh] }));
  t.is(d.kind, 'wait');
  // tick 4: S1 recovered
  d = planReset(snapshot({ registered, views: [view(S1, [S2, S4], { resetAgo: 12 * SEC }), s2Stale, s4Fresh] }));
  t.like(d, { kind: 'reset', sentinel: S2 });
  // tick 5: S2 just reset
  d = planReset(snapshot({ registered, views: [view(S1, [S2, S4], { resetAgo: 14 * SEC }), view(S2, [S1], { replicas: 1, resetAgo: 2 * SEC }), s4Fresh] }));
  t.is(d.kind, 'none', d.reason); // nobody counts S3 any more; S2's recovery is Sentinel's business
  // tick 6: all clean
  d = planReset(snapshot({ registered, views: [view(S1, [S2, S4]), view(S2, [S1, S4]), s4Fresh], goneSince: missing([[S3, 6 * MIN]]) }));
  t.is(d.kind, 'none');
});
