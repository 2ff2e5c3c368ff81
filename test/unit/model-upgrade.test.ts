import test from 'ava';
import { type KillCandidate, killOrder, restartBudget, upgradeStep, type UpgradeStrategy } from '../../packages/local-stack/src/deployment';

test('restartBudget: minHealthy, maxCapacity and the kills at once, as Marathon computes them', (t) => {
  const cases: Array<[number, UpgradeStrategy, number, { minHealthy: number; maxCapacity: number; killImmediately: number }]> = [
    [3, { minimumHealthCapacity: 0.66, maximumOverCapacity: 0 }, 3, { minHealthy: 2, maxCapacity: 3, killImmediately: 1 }], // redis, sentinel
    [2, { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 }, 2, { minHealthy: 1, maxCapacity: 2, killImmediately: 1 }], // watcher
    [3, { minimumHealthCapacity: 1, maximumOverCapacity: 1 }, 3, { minHealthy: 3, maxCapacity: 6, killImmediately: 0 }], // Marathon's default
    [3, { minimumHealthCapacity: 1, maximumOverCapacity: 0 }, 3, { minHealthy: 3, maxCapacity: 4, killImmediately: 0 }], // no room: one over
    [3, { minimumHealthCapacity: 0, maximumOverCapacity: 0 }, 3, { minHealthy: 0, maxCapacity: 3, killImmediately: 3 }],
    [10, { minimumHealthCapacity: 0.7, maximumOverCapacity: 0.1 }, 10, { minHealthy: 7, maxCapacity: 11, killImmediately: 3 }],
    [3, { minimumHealthCapacity: 0.66, maximumOverCapacity: 0 }, 1, { minHealthy: 2, maxCapacity: 3, killImmediately: 0 }], // old ones already missing
  ];
  for (const [n, s, old, want] of cases)
    t.deepEqual(restartBudget(n, s, { healthy: old, current: old }), want, `${n} × ${JSON.stringify(s)} with ${old} running`);
});

test('upgradeStep, step by step for the redis app (3 instances, 0.66, 0)', (t) => {
  const budget = restartBudget(3, { minimumHealthCapacity: 0.66, maximumOverCapacity: 0 }, { healthy: 3, current: 3 });
  const base = { instances: 3, budget };
  const cases: Array<[string, Parameters<typeof upgradeStep>[0], { kill: string[]; launch: number; done: boolean }]> = [
    [
      'start: kill one at once, no room to launch',
      { ...base, old: ['a', 'b', 'c'], oldDying: 0, killsOrdered: 0, newActive: 0, newReady: 0 },
      { kill: ['a'], launch: 0, done: false },
    ],
    [
      'the killed one is still stopping',
      { ...base, old: ['b', 'c'], oldDying: 1, killsOrdered: 1, newActive: 0, newReady: 0 },
      { kill: [], launch: 0, done: false },
    ],
    ['it is gone: launch one', { ...base, old: ['b', 'c'], oldDying: 0, killsOrdered: 1, newActive: 0, newReady: 0 }, { kill: [], launch: 1, done: false }],
    ['new one not ready: wait', { ...base, old: ['b', 'c'], oldDying: 0, killsOrdered: 1, newActive: 1, newReady: 0 }, { kill: [], launch: 0, done: false }],
    [
      'new one ready: kill the next',
      { ...base, old: ['b', 'c'], oldDying: 0, killsOrdered: 1, newActive: 1, newReady: 1 },
      { kill: ['b'], launch: 0, done: false },
    ],
    ['two ready: kill the last', { ...base, old: ['c'], oldDying: 0, killsOrdered: 2, newActive: 2, newReady: 2 }, { kill: ['c'], launch: 0, done: false }],
    ['all new and ready', { ...base, old: [], oldDying: 0, killsOrdered: 3, newActive: 3, newReady: 3 }, { kill: [], launch: 0, done: true }],
    ['a new one died: launch again', { ...base, old: ['c'], oldDying: 0, killsOrdered: 2, newActive: 1, newReady: 1 }, { kill: [], launch: 1, done: false }],
  ];
  for (const [name, state, want] of cases) t.deepEqual(upgradeStep(state), want, name);
});

test('a whole rolling replacement keeps healthy capacity >= minHealthy and instances <= maxCapacity, for every strategy', (t) => {
  const strategies: Array<[number, UpgradeStrategy]> = [
    [3, { minimumHealthCapacity: 0.66, maximumOverCapacity: 0 }],
    [2, { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 }],
    [3, { minimumHealthCapacity: 1, maximumOverCapacity: 0 }],
    [3, { minimumHealthCapacity: 1, maximumOverCapacity: 1 }],
    [5, { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.2 }],
    [4, { minimumHealthCapacity: 0, maximumOverCapacity: 0 }],
  ];
  for (const [n, s] of strategies) {
    const budget = restartBudget(n, s, { healthy: n, current: n });
    let old = Array.from({ length: n }, (_, i) => `old${i}`);
    let dying = 0;
    let killsOrdered = 0;
    let newActive = 0;
    let newReady = 0;
    let minSeen = Infinity;
    let maxSeen = 0;
    for (let round = 0; round < 100; round += 1) {
      const step = upgradeStep({ instances: n, budget, old, oldDying: dying, killsOrdered, newActive, newReady });
      if (step.done) break;
      // Kills take effect (the old task stops serving at once), then launches; a round later a
      // dying task is gone and a launched one is ready.
      old = old.filter((id) => !step.kill.includes(id));
      killsOrdered += step.kill.length;
      const wasDying = dying;
      dying += step.kill.length;
      newActive += step.launch;
      minSeen = Math.min(minSeen, old.length + newReady);
      maxSeen = Math.max(maxSeen, old.length + dying + newActive);
      dying -= wasDying;
      newReady = newActive;
    }
    t.is(old.length, 0, `${n} × ${JSON.stringify(s)} finished`);
    t.true(minSeen >= budget.minHealthy, `${n} × ${JSON.stringify(s)}: healthy ${minSeen} >= ${budget.minHealthy}`);
    t.true(maxSeen <= budget.maxCapacity, `${n} × ${JSON.stringify(s)}: ${maxSeen} instances <= ${budget.maxCapacity}`);
  }
});

test('killOrder: tasks that do not serve first, then by killSelection', (t) => {
  const c = (id: string, startedAt: number, health: KillCandidate['health'] = 'healthy'): KillCandidate => ({ id, startedAt, health });
  const tasks = [c('old', 1), c('mid', 2), c('young', 3), c('sick', 2, 'unhealthy'), c('lost', 1, 'unreachable'), c('new', 4, 'unknown')];
  t.deepEqual(
    killOrder(tasks, 'YOUNGEST_FIRST').map((x) => x.id),
    ['lost', 'sick', 'new', 'young', 'mid', 'old'],
  );
  t.deepEqual(
    killOrder(tasks, 'OLDEST_FIRST').map((x) => x.id),
    ['lost', 'sick', 'new', 'old', 'mid', 'young'],
  );
});
