import test from 'ava';
import { planSet, type SetAction, type SetSnapshot } from '../../packages/sentinel-wrapper/src/plan';
import { type Address, formatAddress, parseAddress } from '../../packages/core/src/address';
import type { Consensus } from '../../packages/core/src/set/facts';

// ---- snapshot builder ------------------------------------------------------------------------

const addr = (text: string): Address => {
  const a = parseAddress(text);
  if (!a) throw new Error(`bad test address ${text}`);
  return a;
};

const R = addr('10.0.0.2:6379'); // what ZooKeeper registers as master
const A = addr('10.0.0.3:6379'); // what the other sentinels agree on
const M = addr('10.0.0.4:6379'); // what the local Sentinel monitors
const V6 = addr('[fd00::7]:6379');

/** The other sentinels agree (strict majority) on `master`, votes/voters of them. */
const agree = (master: Address, votes = 2, voters = 3, o: { failover?: boolean; epoch?: number } = {}): Consensus => ({
  master,
  votes,
  voters,
  failoverInProgress: o.failover ?? false,
  configEpoch: o.epoch ?? 1,
});
/** No majority among the other sentinels (or none answer). */
const noAgreement = (votes = 0, voters = 0, o: { failover?: boolean } = {}): Consensus => ({
  master: null,
  votes,
  voters,
  failoverInProgress: o.failover ?? false,
  configEpoch: 0,
});

interface MonitoredOpts {
  live?: boolean;
  failover?: boolean;
  epoch?: number;
  knowsReplicas?: boolean;
}
const monitoring = (address: Address, o: MonitoredOpts = {}): NonNullable<SetSnapshot['monitored']> => ({
  address,
  isLiveMaster: o.live ?? false,
  failoverInProgress: o.failover ?? false,
  ...(o.epoch !== undefined ? { configEpoch: o.epoch } : {}),
  ...(o.knowsReplicas !== undefined ? { knowsReplicas: o.knowsReplicas } : {}),
});

interface SnapInput {
  name?: string;
  registered?: Address | null;
  registeredIsLiveMaster?: boolean;
  monitored?: SetSnapshot['monitored'];
  others?: Consensus;
  othersMasterIsLive?: boolean;
  othersNewest?: SetSnapshot['othersNewest'];
}

const snap = (i: SnapInput = {}): SetSnapshot => ({
  name: i.name ?? 'mymaster',
  registered: i.registered === undefined ? R : i.registered,
  registeredIsLiveMaster: i.registeredIsLiveMaster ?? false,
  monitored: i.monitored ?? null,
  others: i.others ?? noAgreement(),
  othersMasterIsLive: i.othersMasterIsLive ?? false,
  ...(i.othersNewest ? { othersNewest: i.othersNewest } : {}),
});

// ---- cases -----------------------------------------------------------------------------------

type Expected =
  | { kind: 'monitor'; address: Address; reason?: RegExp }
  | { kind: 'repoint'; from: Address; to: Address; reason?: RegExp }
  | { kind: 'keep'; reason?: RegExp };

interface Case {
  title: string;
  snapshot: SetSnapshot;
  expected: Expected;
}

const cases: Case[] = [
  // Not monitored yet.
  {
    title: "not monitored, ZooKeeper's master live -> monitor it",
    snapshot: snap({ registered: R, registeredIsLiveMaster: true }),
    expected: { kind: 'monitor', address: R, reason: /ZooKeeper names 10\.0\.0\.2:6379, a live master/ },
  },
  {
    title: "not monitored, ZooKeeper's master live, other sentinels agree on another live master -> ZooKeeper's first",
    snapshot: snap({ registered: R, registeredIsLiveMaster: true, others: agree(A, 3, 3), othersMasterIsLive: true }),
    expected: { kind: 'monitor', address: R },
  },
  {
    title: "not monitored, ZooKeeper's IPv6 master live -> monitor it",
    snapshot: snap({ registered: V6, registeredIsLiveMaster: true }),
    expected: { kind: 'monitor', address: V6, reason: /\[fd00::7\]:6379/ },
  },
  {
    title: "not monitored, ZooKeeper's master dead, other sentinels agree on a live master -> monitor theirs",
    snapshot: snap({ registered: R, registeredIsLiveMaster: false, others: agree(A, 2, 3), othersMasterIsLive: true }),
    expected: { kind: 'monitor', address: A, reason: /2\/3 other sentinels agree on live master 10\.0\.0\.3:6379/ },
  },
  {
    title: "not monitored, ZooKeeper's master dead, other sentinels agree on a dead master -> monitor ZooKeeper's address anyway",
    snapshot: snap({ registered: R, registeredIsLiveMaster: false, others: agree(A, 3, 3), othersMasterIsLive: false }),
    expected: { kind: 'monitor', address: R, reason: /does not answer as master/ },
  },
  {
    title: "not monitored, ZooKeeper's master dead, other sentinels do not agree -> monitor ZooKeeper's address anyway",
    snapshot: snap({ registered: R, registeredIsLiveMaster: false, others: noAgreement(1, 2) }),
    expected: { kind: 'monitor', address: R },
  },
  {
    title: "not monitored, ZooKeeper's master dead, no other sentinel answers -> monitor ZooKeeper's address anyway",
    snapshot: snap({ registered: R, registeredIsLiveMaster: false, others: noAgreement() }),
    expected: { kind: 'monitor', address: R },
  },
  {
    title: 'not monitored, ZooKeeper holds garbage (null), no other sentinel knows a master -> keep',
    snapshot: snap({ registered: null, others: noAgreement() }),
    expected: { kind: 'keep', reason: /no valid address/ },
  },
  {
    title: 'not monitored, ZooKeeper holds garbage (null), other sentinels agree on a dead master -> keep',
    snapshot: snap({ registered: null, others: agree(A, 3, 3), othersMasterIsLive: false }),
    expected: { kind: 'keep', reason: /no valid address/ },
  },
  {
    // The set's live master known to the other sentinels is monitored even when ZooKeeper's data is unreadable.
    title: 'not monitored, ZooKeeper holds garbage (null), other sentinels agree on a live master -> monitor theirs',
    snapshot: snap({ registered: null, others: agree(A, 3, 3), othersMasterIsLive: true }),
    expected: { kind: 'monitor', address: A, reason: /3\/3 other sentinels agree on live master 10\.0\.0\.3:6379/ },
  },

  // Monitored where ZooKeeper says.
  {
    title: "monitored at ZooKeeper's address, live -> keep",
    snapshot: snap({ registered: R, registeredIsLiveMaster: true, monitored: monitoring(R, { live: true }) }),
    expected: { kind: 'keep', reason: /already monitoring/ },
  },
  {
    title: "monitored at ZooKeeper's address, dead, other sentinels agree on a live master -> keep (Sentinel fails over itself)",
    snapshot: snap({ registered: R, monitored: monitoring(R), others: agree(A, 3, 3), othersMasterIsLive: true }),
    expected: { kind: 'keep', reason: /already monitoring/ },
  },
  {
    title: "monitored at ZooKeeper's address (equal by value, distinct objects) -> keep",
    snapshot: snap({
      registered: { host: '10.0.0.2', port: 6379 },
      registeredIsLiveMaster: true,
      monitored: monitoring({ host: '10.0.0.2', port: 6379 }, { live: true }),
    }),
    expected: { kind: 'keep', reason: /already monitoring/ },
  },
  {
    title: "monitored at the same host but another port than ZooKeeper's -> not the same master (repoint when dead)",
    snapshot: snap({ registered: R, registeredIsLiveMaster: true, monitored: monitoring({ host: R.host, port: 6380 }) }),
    expected: { kind: 'repoint', from: { host: R.host, port: 6380 }, to: R },
  },

  // Monitored elsewhere.
  {
    title: "monitored elsewhere, monitored is a live master, ZooKeeper's dead -> keep",
    snapshot: snap({ registered: R, registeredIsLiveMaster: false, monitored: monitoring(M, { live: true }) }),
    expected: { kind: 'keep', reason: /still answers as master/ },
  },
  {
    title: "monitored elsewhere, monitored is a live master, ZooKeeper's also live -> keep (never move away from a live master)",
    snapshot: snap({ registered: R, registeredIsLiveMaster: true, monitored: monitoring(M, { live: true }) }),
    expected: { kind: 'keep', reason: /10\.0\.0\.4:6379 still answers as master; ZooKeeper \(10\.0\.0\.2:6379\) will catch up/ },
  },
  {
    title: "monitored elsewhere, monitored live, failover in progress, ZooKeeper's live -> keep",
    snapshot: snap({ registered: R, registeredIsLiveMaster: true, monitored: monitoring(M, { live: true, failover: true }) }),
    expected: { kind: 'keep' },
  },
  {
    title: "monitored elsewhere, dead, failover in progress, ZooKeeper's live -> keep",
    snapshot: snap({ registered: R, registeredIsLiveMaster: true, monitored: monitoring(M, { failover: true }) }),
    expected: { kind: 'keep', reason: /failing over/ },
  },
  {
    title: "monitored elsewhere, dead, failover in progress, ZooKeeper's dead -> keep",
    snapshot: snap({ registered: R, registeredIsLiveMaster: false, monitored: monitoring(M, { failover: true }) }),
    expected: { kind: 'keep', reason: /failing over/ },
  },
  {
    title: "monitored elsewhere, dead, ZooKeeper's live -> repoint from monitored to ZooKeeper's",
    snapshot: snap({ registered: R, registeredIsLiveMaster: true, monitored: monitoring(M) }),
    expected: { kind: 'repoint', from: M, to: R, reason: /monitored 10\.0\.0\.4:6379 is dead; ZooKeeper names live master 10\.0\.0\.2:6379/ },
  },
  {
    title: "monitored elsewhere, dead, ZooKeeper's live, other sentinels agree on another live master -> repoint to ZooKeeper's",
    snapshot: snap({ registered: R, registeredIsLiveMaster: true, monitored: monitoring(M), others: agree(A, 3, 3), othersMasterIsLive: true }),
    expected: { kind: 'repoint', from: M, to: R },
  },
  {
    title:
      "monitoring ZooKeeper's live master but knowing none of its replicas yet (monitored before they followed it) -> keep (a RESET would not make Sentinel read the master sooner)",
    snapshot: snap({ registered: R, registeredIsLiveMaster: true, monitored: monitoring(R, { live: true, knowsReplicas: false }) }),
    expected: { kind: 'keep', reason: /already monitoring/ },
  },
  {
    title: "monitoring ZooKeeper's live master, knowing a replica -> keep (Sentinel learns others at its next INFO)",
    snapshot: snap({ registered: R, registeredIsLiveMaster: true, monitored: monitoring(R, { live: true, knowsReplicas: true }) }),
    expected: { kind: 'keep', reason: /already monitoring/ },
  },
  {
    title: "monitoring ZooKeeper's master during a failover, knowing no replica -> keep",
    snapshot: snap({ registered: R, registeredIsLiveMaster: true, monitored: monitoring(R, { live: true, knowsReplicas: false, failover: true }) }),
    expected: { kind: 'keep', reason: /already monitoring/ },
  },
  {
    title: "monitored elsewhere, dead; ZooKeeper's live master named by another sentinel at a newer epoch -> keep (Sentinel learns it from hellos)",
    snapshot: snap({
      registered: R,
      registeredIsLiveMaster: true,
      monitored: monitoring(M, { epoch: 3, knowsReplicas: true }),
      othersNewest: { master: R, configEpoch: 4 },
    }),
    expected: { kind: 'keep', reason: /config epoch 4 \(this one: 3\); Sentinel follows them/ },
  },
  {
    title: 'the same, but the local Sentinel knows no replica (it hears no hello) -> repoint',
    snapshot: snap({
      registered: R,
      registeredIsLiveMaster: true,
      monitored: monitoring(M, { epoch: 3, knowsReplicas: false }),
      othersNewest: { master: R, configEpoch: 4 },
    }),
    expected: { kind: 'repoint', from: M, to: R },
  },
  {
    title: "monitored elsewhere, dead; the newest epoch elsewhere is no newer than the local one's -> repoint",
    snapshot: snap({
      registered: R,
      registeredIsLiveMaster: true,
      monitored: monitoring(M, { epoch: 4, knowsReplicas: true }),
      othersNewest: { master: R, configEpoch: 4 },
    }),
    expected: { kind: 'repoint', from: M, to: R },
  },
  {
    title: "monitored elsewhere, dead; the newer epoch elsewhere names another master than ZooKeeper's -> repoint to ZooKeeper's",
    snapshot: snap({
      registered: R,
      registeredIsLiveMaster: true,
      monitored: monitoring(M, { epoch: 3, knowsReplicas: true }),
      othersNewest: { master: A, configEpoch: 5 },
    }),
    expected: { kind: 'repoint', from: M, to: R },
  },
  {
    title: "monitored IPv6 elsewhere, dead, ZooKeeper's live -> repoint from the IPv6 address",
    snapshot: snap({ registered: R, registeredIsLiveMaster: true, monitored: monitoring(V6) }),
    expected: { kind: 'repoint', from: V6, to: R, reason: /\[fd00::7\]:6379 is dead/ },
  },
  {
    title: "monitored elsewhere, dead, ZooKeeper's dead -> keep",
    snapshot: snap({ registered: R, registeredIsLiveMaster: false, monitored: monitoring(M) }),
    expected: { kind: 'keep', reason: /neither the monitored 10\.0\.0\.4:6379 nor ZooKeeper's 10\.0\.0\.2:6379/ },
  },

  // ZooKeeper's data unreadable while monitored.
  {
    title: 'monitored, ZooKeeper holds garbage (null), monitored live -> keep',
    snapshot: snap({ registered: null, monitored: monitoring(M, { live: true }) }),
    expected: { kind: 'keep', reason: /no valid address/ },
  },
  {
    title: 'monitored, ZooKeeper holds garbage (null), monitored dead -> keep',
    snapshot: snap({ registered: null, monitored: monitoring(M) }),
    expected: { kind: 'keep', reason: /no valid address/ },
  },
  {
    title: 'monitored, ZooKeeper holds garbage (null), monitored dead, others agree on a live master -> keep',
    snapshot: snap({ registered: null, monitored: monitoring(M), others: agree(A, 3, 3), othersMasterIsLive: true }),
    expected: { kind: 'keep' },
  },
];

const same = (a: Address) => ({ host: a.host, port: a.port });

const check = (c: Case) => (t: import('ava').ExecutionContext) => {
  const a: SetAction = planSet(c.snapshot);
  t.is(a.kind, c.expected.kind, `reason: ${a.reason}`);
  t.is(typeof a.reason, 'string');
  t.true(a.reason.trim().length > 0, 'reason must not be empty');
  if (c.expected.reason) t.regex(a.reason, c.expected.reason);
  if (a.kind === 'monitor' && c.expected.kind === 'monitor') {
    t.deepEqual(same(a.address), same(c.expected.address), `monitors ${formatAddress(a.address)}`);
    t.deepEqual(Object.keys(a).sort(), ['address', 'kind', 'reason']);
  } else if (a.kind === 'repoint' && c.expected.kind === 'repoint') {
    t.deepEqual(same(a.from), same(c.expected.from), `from ${formatAddress(a.from)}`);
    t.deepEqual(same(a.to), same(c.expected.to), `to ${formatAddress(a.to)}`);
    t.false(a.from.host === a.to.host && a.from.port === a.to.port, 'a repoint must move somewhere else');
  } else if (a.kind === 'keep') {
    t.deepEqual(Object.keys(a).sort(), ['kind', 'reason'], 'keep carries no address');
  }
};

for (const c of cases) test(c.title, check(c));

// ---- properties over every combination ---------------------------------------------------------

const registeredChoices: Array<Address | null> = [null, R, M];
const monitoredChoices: Array<SetSnapshot['monitored']> = [
  null,
  monitoring(M, { live: true }),
  monitoring(M),
  monitoring(M, { failover: true }),
  monitoring(M, { live: true, failover: true }),
  monitoring(R, { live: true }),
  monitoring(R),
  monitoring(R, { failover: true }),
  monitoring(R, { live: true, knowsReplicas: false }),
];
const othersChoices: Array<{ others: Consensus; othersMasterIsLive: boolean }> = [
  { others: noAgreement(), othersMasterIsLive: false },
  { others: agree(A, 2, 3), othersMasterIsLive: true },
  { others: agree(A, 2, 3), othersMasterIsLive: false },
  { others: agree(R, 3, 3), othersMasterIsLive: true },
];

const all: SetSnapshot[] = [];
for (const registered of registeredChoices) {
  for (const registeredIsLiveMaster of registered ? [true, false] : [false]) {
    for (const monitored of monitoredChoices) {
      for (const o of othersChoices) all.push(snap({ registered, registeredIsLiveMaster, monitored, ...o }));
    }
  }
}

test(`every combination (${all.length}) yields a non-empty reason, and the invariants hold`, (t) => {
  for (const s of all) {
    const a = planSet(s);
    const what = JSON.stringify({ s, a });
    t.true(a.reason.trim().length > 0, what);
    if (s.monitored) {
      // Already monitored: never a fresh monitor.
      t.not(a.kind, 'monitor', what);
      // Never move away from a live master, nor during a failover.
      if (s.monitored.isLiveMaster || s.monitored.failoverInProgress) t.is(a.kind, 'keep', what);
      // A repoint always goes from what is monitored to ZooKeeper's live master.
      if (a.kind === 'repoint') {
        t.deepEqual(same(a.from), same(s.monitored.address), what);
        t.truthy(s.registered, what);
        t.deepEqual(same(a.to), same(s.registered!), what);
        t.true(s.registeredIsLiveMaster, what);
      }
    } else {
      // Not monitored: never a repoint.
      t.not(a.kind, 'repoint', what);
      // Something is monitored whenever any address is known.
      if (s.registered || (s.others.master && s.othersMasterIsLive)) t.is(a.kind, 'monitor', what);
    }
  }
});

test('planSet does not mutate its snapshot', (t) => {
  const s = snap({ registered: R, registeredIsLiveMaster: true, monitored: monitoring(M), others: agree(A, 2, 3), othersMasterIsLive: true });
  const before = JSON.stringify(s);
  planSet(s);
  t.is(JSON.stringify(s), before);
});
