import test from 'ava';
import type { Consensus, RegisteredMaster, SentinelView } from '../../packages/core/src';
import { checkEvent, decideOnReconcile, decideOnSwitch, type EventCheck, repeatsHandled } from '../../packages/watcher/src/follow/decide-write';

const A = { host: '10.0.0.1', port: 6379 };
const B = { host: '10.0.0.2', port: 6379 };
const reg = (address: typeof A | null, epoch: number): RegisteredMaster => ({
  address,
  raw: address ? `${address.host}:${address.port}` : 'garbage',
  version: 3,
  epoch,
});
const consensus = (master: typeof A | null, o: Partial<Consensus> = {}): Consensus => ({
  master,
  votes: master ? 2 : 0,
  voters: 3,
  failoverInProgress: false,
  configEpoch: 5,
  ...o,
});

const switchCases: Array<{ title: string; reg: RegisteredMaster | null; to: typeof A; epoch: number; kind: 'write' | 'skip' }> = [
  { title: 'empty ZooKeeper -> write', reg: null, to: B, epoch: 1, kind: 'write' },
  { title: 'ZooKeeper names another master, newer event -> write', reg: reg(A, 1), to: B, epoch: 2, kind: 'write' },
  { title: 'same epoch, another master -> skip (one epoch, one failover: a stale event)', reg: reg(A, 2), to: B, epoch: 2, kind: 'skip' },
  { title: 'ZooKeeper epoch unknown (-1) -> write', reg: reg(A, -1), to: B, epoch: 0, kind: 'write' },
  { title: 'already named -> skip', reg: reg(B, 1), to: B, epoch: 2, kind: 'skip' },
  { title: "event older than ZooKeeper's epoch -> skip (no rollback)", reg: reg(A, 7), to: B, epoch: 6, kind: 'skip' },
  { title: 'garbage in ZooKeeper -> write', reg: reg(null, -1), to: B, epoch: 0, kind: 'write' },
  { title: 'after an election (epoch 0) any failover wins', reg: reg(A, 0), to: B, epoch: 1, kind: 'write' },
];
for (const c of switchCases) {
  test(`switch: ${c.title}`, (t) => {
    const d = decideOnSwitch(c.reg, c.to, c.epoch);
    t.is(d.kind, c.kind, d.reason);
    t.true(d.reason.length > 0);
    if (d.kind === 'write') {
      t.deepEqual(d.address, c.to);
      t.is(d.epoch, c.epoch);
    }
  });
}

const reconcileCases: Array<{ title: string; reg: RegisteredMaster | null; c: Consensus; live: boolean; kind: 'write' | 'skip'; reason?: RegExp }> = [
  { title: 'majority on a live master ZooKeeper lacks -> write', reg: reg(A, 1), c: consensus(B), live: true, kind: 'write' },
  { title: 'empty ZooKeeper, majority on a live master -> write', reg: null, c: consensus(B), live: true, kind: 'write' },
  { title: 'ZooKeeper agrees -> skip', reg: reg(B, 5), c: consensus(B), live: true, kind: 'skip', reason: /agrees/ },
  { title: 'no majority -> skip', reg: reg(A, 1), c: consensus(null), live: false, kind: 'skip', reason: /majority/ },
  {
    title: 'no sentinel monitors the set -> skip',
    reg: reg(A, 1),
    c: consensus(null, { voters: 0 }),
    live: false,
    kind: 'skip',
    reason: /no reachable sentinel/,
  },
  { title: 'agreed address is dead -> skip (never toward a dead address)', reg: reg(A, 1), c: consensus(B), live: false, kind: 'skip', reason: /dead/ },
  { title: 'failover in progress -> skip', reg: reg(A, 1), c: consensus(B, { failoverInProgress: true }), live: true, kind: 'skip', reason: /in progress/ },
  {
    title: "older epoch than ZooKeeper's -> skip (no rollback)",
    reg: reg(A, 9),
    c: consensus(B, { configEpoch: 4 }),
    live: true,
    kind: 'skip',
    reason: /older/,
  },
  { title: 'ZooKeeper epoch unknown (-1) -> write', reg: reg(A, -1), c: consensus(B, { configEpoch: 0 }), live: true, kind: 'write' },
];
for (const c of reconcileCases) {
  test(`reconcile: ${c.title}`, (t) => {
    const d = decideOnReconcile(c.reg, c.c, c.live);
    t.is(d.kind, c.kind, d.reason);
    if (c.reason) t.regex(d.reason, c.reason);
    if (d.kind === 'write') {
      t.deepEqual(d.address, c.c.master!);
      t.is(d.epoch, c.c.configEpoch);
    }
  });
}

const C = { host: '10.0.0.3', port: 6379 };
const view = (current: typeof A | null, configEpoch: number, o: { monitors?: boolean; master?: typeof A | null } = {}): SentinelView => ({
  sentinel: { host: '10.0.1.1', port: 26379 },
  reachable: true,
  monitors: o.monitors ?? true,
  master: o.master === undefined ? current : o.master,
  current,
  failoverInProgress: false,
  configEpoch,
  flags: [],
  failoverTimeoutMs: 0,
});
const down: SentinelView = { sentinel: { host: '10.0.1.2', port: 26379 }, reachable: false, error: 'ECONNREFUSED' };

const eventCases: Array<{ title: string; to: typeof A; views: SentinelView[]; kind: 'current' | 'stale' | 'unconfirmed'; epoch?: number }> = [
  { title: 'the reporter names the new master -> current, its config epoch', to: B, views: [view(B, 1)], kind: 'current', epoch: 1 },
  {
    title: "the leader mid-failover gives clients the promoted replica -> current (Sentinel's `current`, not `master`)",
    to: B,
    views: [view(B, 1, { master: A })],
    kind: 'current',
    epoch: 1,
  },
  { title: 'a later failover named another master (a frozen watcher resumed) -> stale', to: B, views: [view(C, 2)], kind: 'stale' },
  { title: 'the newest of several configurations decides -> current at its epoch', to: C, views: [view(B, 1), view(C, 2)], kind: 'current', epoch: 2 },
  { title: 'an older configuration naming the event does not make it current -> stale', to: B, views: [view(B, 1), view(C, 2)], kind: 'stale' },
  { title: 'the newest configuration disagrees with itself -> unconfirmed', to: B, views: [view(B, 2), view(C, 2)], kind: 'unconfirmed' },
  { title: 'nobody answers -> unconfirmed (a reconcile decides)', to: B, views: [down], kind: 'unconfirmed' },
  { title: 'the set is not monitored -> unconfirmed', to: B, views: [view(null, 0, { monitors: false })], kind: 'unconfirmed' },
  { title: 'an unreachable sentinel does not vote', to: B, views: [down, view(B, 3)], kind: 'current', epoch: 3 },
];
for (const c of eventCases) {
  test(`event: ${c.title}`, (t) => {
    const check = checkEvent(c.to, c.views);
    t.is(check.kind, c.kind, check.reason);
    if (check.kind === 'current') t.is(check.epoch, c.epoch!);
  });
}

// A repeat of a failover already handled is known by its epoch, not by its addresses and time.
const repeats: Array<{ title: string; handled?: { epoch: number; to: typeof B }; to: typeof B; check: EventCheck; repeat: boolean }> = [
  { title: 'nothing handled yet: news', to: B, check: { kind: 'current', epoch: 1, reason: '' }, repeat: false },
  { title: 'the same epoch again: a repeat', handled: { epoch: 1, to: B }, to: B, check: { kind: 'current', epoch: 1, reason: '' }, repeat: true },
  {
    title: 'the same two nodes at a later epoch (A to B, back, to B again): news',
    handled: { epoch: 1, to: B },
    to: B,
    check: { kind: 'current', epoch: 3, reason: '' },
    repeat: false,
  },
  { title: 'an older epoch: a repeat', handled: { epoch: 2, to: C }, to: B, check: { kind: 'current', epoch: 1, reason: '' }, repeat: true },
  { title: 'unconfirmed, to the handled master: a repeat', handled: { epoch: 1, to: B }, to: B, check: { kind: 'unconfirmed', reason: '' }, repeat: true },
  { title: 'unconfirmed, to another: not a repeat', handled: { epoch: 1, to: B }, to: C, check: { kind: 'unconfirmed', reason: '' }, repeat: false },
];
for (const c of repeats) {
  test(`repeatsHandled: ${c.title}`, (t) => {
    t.is(repeatsHandled(c.handled, c.to, c.check), c.repeat);
  });
}
