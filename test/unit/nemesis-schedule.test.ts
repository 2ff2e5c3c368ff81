import test from 'ava';
import { configChange } from '../../nemesis/faults';
import type { Task } from '../../nemesis/deployment';
import { partitionTarget } from '../../nemesis/partition';
import { DEFAULT_WEIGHTS, describeSchedule, destroysData, generateSchedule, MODEL_WEIGHTS, prng } from '../../nemesis/schedule';

test('the PRNG is a function of its seed, uniform in [0, 1)', (t) => {
  const a = prng(42);
  const b = prng(42);
  const xs = Array.from({ length: 1000 }, () => a());
  t.deepEqual(
    xs,
    Array.from({ length: 1000 }, () => b()),
  );
  t.true(xs.every((x) => x >= 0 && x < 1));
  t.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, prng(43)));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  t.true(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

test('same seed, same schedule; another seed, another schedule', (t) => {
  t.deepEqual(generateSchedule(7), generateSchedule(7));
  t.is(describeSchedule(generateSchedule(7)), describeSchedule(generateSchedule(7)));
  t.notDeepEqual(generateSchedule(7).faults, generateSchedule(8).faults);
  t.deepEqual(generateSchedule(7, { faults: 3 }), generateSchedule(7, { faults: 3 }));
});

test('faults in order, gaps and durations within the options', (t) => {
  for (let seed = 1; seed <= 200; seed += 1) {
    const s = generateSchedule(seed, { faults: 10, minGapMs: 1000, maxGapMs: 3000, maxFreezeMs: 5000 });
    t.is(s.faults.length, 10);
    let prev = 0;
    for (const { at, fault } of s.faults) {
      t.true(at - prev >= 1000 && at - prev <= 3000);
      prev = at;
      if (fault.kind === 'freeze') t.true(fault.ms >= 1000 && fault.ms <= 5000);
      if (fault.kind === 'zk-outage' || fault.kind === 'zk-member') t.true(fault.ms >= 2000 && fault.ms <= 15000);
    }
  }
});

test('every kind is drawn over many seeds, and a weight of 0 removes a kind', (t) => {
  const kinds = new Set<string>();
  for (let seed = 1; seed <= 100; seed += 1) for (const f of generateSchedule(seed).faults) kinds.add(f.fault.kind);
  t.deepEqual(
    [...kinds].sort(),
    Object.keys(DEFAULT_WEIGHTS)
      .filter((k) => k !== 'partition')
      .sort(),
  );
  for (let seed = 1; seed <= 100; seed += 1) t.false(generateSchedule(seed, { weights: { 'zk-outage': 0 } }).faults.some((f) => f.fault.kind === 'zk-outage'));
});

test('which faults destroy data (and so wait for two synced replicas)', (t) => {
  t.true(destroysData({ kind: 'kill-server', role: 'replica', pick: 0 }));
  t.true(destroysData({ kind: 'kill-task', app: 'redis', role: 'master', pick: 0 }));
  t.true(destroysData({ kind: 'stop-task', app: 'redis', role: 'master', pick: 0 }));
  t.true(destroysData({ kind: 'rolling-restart', app: 'redis', order: 0 }));
  t.false(destroysData({ kind: 'kill-task', app: 'sentinel', pick: 0 }));
  t.false(destroysData({ kind: 'freeze', app: 'redis', role: 'master', pick: 0, ms: 5000 }));
  t.false(destroysData({ kind: 'switchover' }));
  t.true(destroysData({ kind: 'config-change', app: 'redis', order: 1 }));
  t.false(destroysData({ kind: 'config-change', app: 'watcher', order: 1 }));
  t.false(destroysData({ kind: 'zk-member', member: 'leader', pick: 0, mode: 'down', ms: 5000 }));
});

test('a config change alternates a real setting of the app, never one that may evict data', (t) => {
  t.deepEqual(configChange('redis', 1), { REDIS_MAXMEMORY_POLICY: 'volatile-lru', CONFIG_VERSION: '1' });
  t.deepEqual(configChange('redis', 2), { REDIS_MAXMEMORY_POLICY: 'noeviction', CONFIG_VERSION: '2' });
  t.is(configChange('sentinel', 3).SENTINEL_PARALLEL_SYNCS, '2');
  t.is(configChange('watcher', 2).RECONCILE_INTERVAL_MS, '10000');
});

test("loopback schedules are those drawn before partitions existed (seed 1's, written down then)", (t) => {
  t.is(
    describeSchedule(generateSchedule(1, { faults: 4 })),
    [
      '  +7.0s  kill -9 redis-server of the replica #1',
      '  +16.8s  kill -9 task: sentinel #2',
      '  +22.2s  config change of sentinel (order 2)',
      '  +25.3s  planned stop (SIGTERM): redis master #0',
    ].join('\n'),
  );
  t.deepEqual(generateSchedule(9, {}, 'loopback'), generateSchedule(9));
});

test('model mode draws partitions (2-30 s, or up to maxPartitionMs) and never a ZooKeeper member lost; loopback never a partition', (t) => {
  const kinds = new Set<string>();
  for (let seed = 1; seed <= 200; seed += 1) {
    for (const { fault } of generateSchedule(seed, { maxPartitionMs: 9000 }, 'model').faults) {
      kinds.add(fault.kind);
      if (fault.kind === 'partition') t.true(fault.ms >= 2000 && fault.ms <= 9000 && fault.pick >= 0 && fault.pick <= 2);
    }
    t.false(generateSchedule(seed).faults.some((f) => f.fault.kind === 'partition'));
  }
  t.deepEqual(
    [...kinds].sort(),
    Object.entries(MODEL_WEIGHTS)
      .filter(([, w]) => w > 0)
      .map(([k]) => k)
      .sort(),
  );
  t.false(kinds.has('zk-member'));
  t.notDeepEqual(generateSchedule(5, {}, 'model'), generateSchedule(5));
});

test("a partition of the master's agent waits for two synced replicas; of another agent, not", (t) => {
  t.true(destroysData({ kind: 'partition', agent: 'master', pick: 0, ms: 5000 }));
  t.false(destroysData({ kind: 'partition', agent: 'other', pick: 1, ms: 5000 }));
});

test("a partition's agent: the master's, or the pick-th (by id) of the other agents that hold a task", (t) => {
  const task = (id: string, agent: string): Task => ({ id, app: 'redis', address: `${agent}:1`, local: [1], startedAt: 0, agent });
  const live = [task('r1', 'agent-2'), task('r2', 'agent-4'), task('s1', 'agent-1'), task('w1', 'agent-4'), task('r3', 'agent-3')];
  const master = live[0];
  t.is(partitionTarget(live, master, { agent: 'master', pick: 2 }), 'agent-2');
  t.is(partitionTarget(live, master, { agent: 'other', pick: 0 }), 'agent-1');
  t.is(partitionTarget(live, master, { agent: 'other', pick: 2 }), 'agent-4');
  t.is(partitionTarget(live, master, { agent: 'other', pick: 3 }), 'agent-1');
  t.is(partitionTarget(live, undefined, { agent: 'master', pick: 0 }), undefined);
  t.is(partitionTarget([task('r1', 'agent-2')], master, { agent: 'other', pick: 1 }), undefined);
});
