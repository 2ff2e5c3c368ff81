import test from 'ava';
import type { Consensus, RegisteredMaster } from '../../packages/core/src';
import { decideOnReconcile, decideOnSwitch } from '../../packages/watcher/src/follow/decide-write';

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
  { title: "same epoch (unknown epoch is passed as ZooKeeper's) -> write", reg: reg(A, 2), to: B, epoch: 2, kind: 'write' },
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
