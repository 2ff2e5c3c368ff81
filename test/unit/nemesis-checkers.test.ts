import test from 'ava';
import {
  checkAll,
  checkConvergence,
  checkExits,
  checkLostWrites,
  checkSentinels,
  checkTwoMasters,
  checkZooKeeperMaster,
  DEFAULT_BOUNDS,
  eventsAround,
} from '../../nemesis/checkers';
import { figuresOf } from '../../nemesis/figures';
import type { History, HistoryEvent, OpEvent } from '../../nemesis/history';

const A = '127.0.0.1:7001';
const B = '127.0.0.1:7002';
const C = '127.0.0.1:7003';
const S1 = '127.0.0.1:26001';
const S2 = '127.0.0.1:26002';
const W1 = '127.0.0.1:8081';

const hist = (events: HistoryEvent[], lastFaultEnd = 0): History => ({ seed: 1, startedAt: 0, lastFaultEnd, events });
const op = (key: string, start: number, end: number, master: string, acked = true, client: OpEvent['client'] = 'wait'): HistoryEvent => ({
  t: end,
  type: 'op',
  client,
  key,
  start,
  end,
  master,
  ok: true,
  acked,
});

test('lost writes: every acknowledged key on the final master; unacknowledged ones do not count', (t) => {
  const ops = [op('w:1', 0, 5, A), op('w:2', 10, 15, A), op('w:3', 20, 25, A, false)];
  t.deepEqual(checkLostWrites(hist([...ops, { t: 100, type: 'read-back', master: B, checked: 2, missing: ['w:3'] }])), []);
  const v = checkLostWrites(hist([...ops, { t: 100, type: 'read-back', master: B, checked: 2, missing: ['w:2'] }]));
  t.is(v.length, 1);
  t.regex(v[0]!.message, /1 of 2 acknowledged writes missing on the final master 127.0.0.1:7002: w:2 \(acked by 127.0.0.1:7001/);
  t.regex(checkLostWrites(hist(ops))[0]!.message, /no read-back/);
  t.regex(
    checkLostWrites(hist([...ops, { t: 100, type: 'read-back', master: null, checked: 0, missing: [], error: 'ZooKeeper names no master' }]))[0]!.message,
    /read-back failed/,
  );
});

test('two masters: a clean failover (A, then B) passes; A, B, A within a second is a violation', (t) => {
  const failover = [op('w:1', 0, 5, A), op('w:2', 6, 10, A), op('w:3', 3000, 3005, B), op('w:4', 3006, 3010, B)];
  t.deepEqual(checkTwoMasters(hist(failover)), []);
  // Two clients, one still acknowledged by A while the other is by B.
  const split = [op('w:1', 0, 5, A), op('h:1', 10, 20, B, true, 'haproxy'), op('w:2', 30, 40, A), op('h:2', 41, 50, B, true, 'haproxy')];
  const v = checkTwoMasters(hist(split));
  t.is(v.length, 1);
  t.regex(v[0]!.message, /127.0.0.1:7001 acknowledged w:1 .* 127.0.0.1:7002 then h:1 .* 127.0.0.1:7001 again w:2/);
  // Overlapping operations whose order is not certain are not counted.
  t.deepEqual(checkTwoMasters(hist([op('w:1', 0, 50, A), op('h:1', 10, 20, B, true, 'haproxy'), op('w:2', 15, 60, A)])), []);
  // A, B, A over more than the bound: two real changes of master.
  t.deepEqual(checkTwoMasters(hist([op('w:1', 0, 5, A), op('w:2', 3000, 3005, B), op('w:3', 6000, 6005, A)])), []);
  // Writes not acknowledged by WAIT 1 are not looked at.
  t.deepEqual(checkTwoMasters(hist([op('w:1', 0, 5, A), op('w:2', 10, 15, B, false), op('w:3', 20, 25, A)])), []);
});

test('ZooKeeper master: a live master at a newer epoch passes', (t) => {
  const ok = hist([
    { t: 0, type: 'zk-master', raw: A, epoch: 0 },
    { t: 3000, type: 'zk-master', raw: B, epoch: 1 },
    { t: 3010, type: 'zk-probe', address: B, role: 'master', changedAt: 3000 },
    { t: 9000, type: 'zk-master', raw: C, epoch: 0 }, // a node's recovery writes epoch 0
    { t: 9010, type: 'zk-probe', address: C, role: 'master', changedAt: 9000 },
  ]);
  t.deepEqual(checkZooKeeperMaster(ok), []);
});

test('ZooKeeper master: the stale watcher (back to a dead address at the same epoch) is caught twice', (t) => {
  const v = checkZooKeeperMaster(
    hist([
      { t: 0, type: 'zk-master', raw: A, epoch: 0 },
      { t: 3000, type: 'zk-master', raw: B, epoch: 1 },
      { t: 3010, type: 'zk-probe', address: B, role: 'master', changedAt: 3000 },
      { t: 8000, type: 'zk-master', raw: C, epoch: 2 },
      { t: 8010, type: 'zk-probe', address: C, role: 'master', changedAt: 8000 },
      { t: 20000, type: 'zk-master', raw: B, epoch: 2 },
      { t: 20003, type: 'zk-probe', address: B, role: 'dead (ECONNREFUSED)', changedAt: 20000 },
      { t: 20030, type: 'zk-master', raw: C, epoch: 2 },
      { t: 20035, type: 'zk-probe', address: C, role: 'master', changedAt: 20030 },
    ]),
  );
  t.is(v.length, 3, JSON.stringify(v));
  t.true(v.some((x) => /from 127.0.0.1:7003 to 127.0.0.1:7002 at the same config epoch 2/.test(x.message)));
  t.true(v.some((x) => /named 127.0.0.1:7002, which answered dead/.test(x.message)));
  // And the change back (C at epoch 2 again) is flagged the same way: both moves were at one epoch.
  t.true(v.some((x) => /from 127.0.0.1:7002 to 127.0.0.1:7003 at the same config epoch 2/.test(x.message)));
});

test('ZooKeeper master: an older epoch is a violation; a probe excused by a fault on that address is not', (t) => {
  const older = checkZooKeeperMaster(
    hist([
      { t: 0, type: 'zk-master', raw: A, epoch: 3 },
      { t: 10, type: 'zk-master', raw: B, epoch: 2 },
    ]),
  );
  t.regex(older[0]!.message, /at config epoch 2, older than 127.0.0.1:7001's 3/);
  const excused = hist([
    { t: 0, type: 'zk-master', raw: A, epoch: 0 },
    { t: 3000, type: 'zk-master', raw: B, epoch: 1 },
    { t: 3001, type: 'fault-start', id: 1, what: 'kill -9 task: redis master #0', tasks: ['r.2'], addresses: [B] },
    { t: 3005, type: 'zk-probe', address: B, role: 'dead', changedAt: 3000 },
  ]);
  t.deepEqual(checkZooKeeperMaster(excused), []);
  // A fault on that address that was over before the change does not excuse it.
  const before = hist([
    { t: 0, type: 'zk-master', raw: A, epoch: 0 },
    { t: 1000, type: 'fault-start', id: 1, what: 'kill -9 task: redis replica #0', tasks: ['r.2'], addresses: [B] },
    { t: 1001, type: 'fault-end', id: 1, what: 'kill -9 task: redis replica #0' },
    { t: 3000, type: 'zk-master', raw: B, epoch: 1 },
    { t: 3005, type: 'zk-probe', address: B, role: 'dead', changedAt: 3000 },
  ]);
  t.is(checkZooKeeperMaster(before).length, 1);
  // One still in effect at the change does (nemesis seed 1506471166: the master frozen 165 ms
  // before ZooKeeper named it, probed during the freeze).
  const frozen = hist([
    { t: 0, type: 'zk-master', raw: A, epoch: 0 },
    { t: 1000, type: 'fault-start', id: 1, what: 'freeze 10869 ms: redis master #0', tasks: ['r.2'], addresses: [B] },
    { t: 1165, type: 'zk-master', raw: B, epoch: 1 },
    { t: 6371, type: 'zk-probe', address: B, role: 'dead (Error: Connection is closed.)', changedAt: 1165 },
    { t: 11869, type: 'fault-end', id: 1, what: 'freeze 10869 ms: redis master #0' },
  ]);
  t.deepEqual(checkZooKeeperMaster(frozen), []);
});

test('sentinels: an empty list is a violation; a dead sentinel may stay listed for the bound, counted from ZooKeeper’s return', (t) => {
  t.regex(checkSentinels(hist([{ t: 5, type: 'sentinels', watcher: W1, status: 200, list: [] }]))[0]!.message, /empty list/);
  t.deepEqual(checkSentinels(hist([{ t: 5, type: 'sentinels', watcher: W1, status: 503, list: null }])), [], 'no answer is not an empty list');
  const death: HistoryEvent[] = [
    { t: 0, type: 'sentinels', watcher: W1, status: 200, list: [S1, S2] },
    { t: 1000, type: 'task-exit', task: 's.1', app: 'sentinel', address: S1, code: null, signal: 'SIGKILL' },
  ];
  t.deepEqual(checkSentinels(hist([...death, { t: 6000, type: 'sentinels', watcher: W1, status: 200, list: [S2] }])), []);
  const late = checkSentinels(hist([...death, { t: 1000 + DEFAULT_BOUNDS.deadSentinelMs + 500, type: 'sentinels', watcher: W1, status: 200, list: [S1, S2] }]));
  t.is(late.length, 1);
  t.regex(late[0]!.message, /still listed 127.0.0.1:26001/);
  // ZooKeeper away from 500 to 12000: the list as last read is served, the bound counts from 12000.
  const outage: HistoryEvent[] = [
    ...death,
    { t: 500, type: 'fault-start', id: 1, what: 'ZooKeeper hung (SIGSTOP) 11500 ms', tasks: [], addresses: [] },
    { t: 12000, type: 'fault-end', id: 1, what: 'ZooKeeper hung (SIGSTOP) 11500 ms' },
    { t: 13000, type: 'sentinels', watcher: W1, status: 200, list: [S1, S2, '127.0.0.1:26003'] },
    { t: 14000, type: 'sentinels', watcher: W1, status: 200, list: [S2, '127.0.0.1:26003'] },
  ];
  t.deepEqual(checkSentinels(hist(outage)), []);
  // The watcher's agent cut off from 500 to 12000 (model mode): the same, for that watcher only.
  const cut = (watcher: string): HistoryEvent[] => [
    ...death,
    { t: 500, type: 'fault-start', id: 1, what: 'partition 11500 ms: the agent #0 of the others', tasks: ['w.1'], addresses: [watcher] },
    { t: 12000, type: 'fault-end', id: 1, what: 'partition 11500 ms: the agent #0 of the others' },
    { t: 13000, type: 'sentinels', watcher: W1, status: 200, list: [S1, S2] },
  ];
  t.deepEqual(checkSentinels(hist(cut(W1))), []);
  t.is(checkSentinels(hist(cut('127.0.0.1:8082'))).length, 1);
});

test('convergence: within the bound after the last fault, else a violation with the last reason', (t) => {
  t.deepEqual(checkConvergence(hist([{ t: 12000, type: 'converge', ok: true }], 10000)), []);
  const slow = checkConvergence(hist([{ t: 60000, type: 'converge', ok: true }], 10000));
  t.regex(slow[0]!.message, /converged 50000 ms after the last fault \(bound 45000 ms\)/);
  const never = checkConvergence(hist([{ t: 56000, type: 'converge', ok: false, reason: '0 masters' }], 10000));
  t.regex(never[0]!.message, /not converged 45000 ms after the last fault: 0 masters/);
});

test('exits: a task the nemesis did not kill that exits is a violation; teardown exits are not', (t) => {
  const events: HistoryEvent[] = [
    { t: 100, type: 'fault-start', id: 1, what: 'kill -9 redis-server of the master #0', tasks: ['r.1'], addresses: [A] },
    { t: 150, type: 'task-exit', task: 'r.1', app: 'redis', address: A, code: 1, signal: null },
    { t: 200, type: 'task-exit', task: 'w.7', app: 'watcher', address: W1, code: 1, signal: null },
    { t: 300, type: 'teardown' },
    { t: 310, type: 'task-exit', task: 's.4', app: 'sentinel', address: S1, code: 0, signal: null },
  ];
  const v = checkExits(hist(events));
  t.is(v.length, 1);
  t.regex(v[0]!.message, /w.7 \(127.0.0.1:8081\) exited by itself: code 1/);
});

test('checkExits: a task Marathon killed (model mode: a deployment step, a health check) did not exit by itself', (t) => {
  const events: HistoryEvent[] = [
    { t: 100, type: 'task-kill', task: 'w.7', address: W1, reason: 'health: /health answered 503' },
    { t: 110, type: 'task-exit', task: 'w.7', app: 'watcher', address: W1, code: 143, signal: null },
    { t: 120, type: 'task-exit', task: 's.4', app: 'sentinel', address: S1, code: 1, signal: null },
  ];
  t.deepEqual(
    checkExits(hist(events)).map((v) => v.message),
    ['s.4 (127.0.0.1:26001) exited by itself: code 1'],
  );
});

test('checkAll orders the violations; eventsAround sums up client operations', (t) => {
  const h = hist(
    [
      op('w:1', 0, 5, A),
      { t: 10, type: 'zk-master', raw: A, epoch: 1 },
      { t: 20, type: 'zk-master', raw: B, epoch: 1 },
      { t: 25, type: 'zk-probe', address: B, role: 'master', changedAt: 20 },
      { t: 30, type: 'converge', ok: true },
      { t: 40, type: 'read-back', master: B, checked: 1, missing: ['w:1'] },
    ],
    25,
  );
  const v = checkAll(h);
  t.deepEqual(
    v.map((x) => x.checker),
    ['lost-writes', 'zk-master'],
  );
  const around = eventsAround(h, 20, 100);
  t.true(around.some((l) => /zk-master/.test(l)));
  t.true(around.some((l) => /wait client within ±100 ms: 1 ok, 1 acked, 0 failed/.test(l)));
});

test('figures: availability over the seconds from the first fault to convergence, longest gap', (t) => {
  const h = hist([op('w:1', 0, 100, A), op('w:2', 100, 1100, A), op('w:3', 3000, 3100, B), { t: 4000, type: 'converge', ok: true }], 3500);
  const f = figuresOf(h, 0);
  t.is(f.acked, 3);
  t.is(f.longestAckGapMs, 2000);
  t.is(f.convergenceMs, 500);
  t.is(f.writeAvailability, 3 / 4); // seconds 0, 1 and 3 of 0-3
});
