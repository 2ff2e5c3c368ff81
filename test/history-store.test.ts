import test from 'ava';
import type { HistoryEvent } from '../packages/core/src/members/history';
import { TestEnv } from './helpers/env';

// The history in a real ZooKeeper: a stale master's fence and the change it belongs to (a
// switchover, Sentinel's failover) are recorded by two processes at the same moment; the set's
// history keeps one entry for the change, whichever lands first.

const at = Date.now();
const switchover: HistoryEvent = { at, from: '10.0.0.1:6379', to: '10.0.0.2:6379', cause: 'switchover', epoch: 3, by: 'redis-zk', reason: 'operator' };
const fence = (o: Partial<HistoryEvent> = {}): HistoryEvent => ({
  at: at + 16,
  from: '10.0.0.1:6379',
  to: '10.0.0.2:6379',
  cause: 'fence',
  epoch: -1,
  by: 'redis-wrapper 10.0.0.1:6379',
  reason: 'a sentinel is failing over from this master',
  ...o,
});
const causes = (h: HistoryEvent[]) => h.map((e) => e.cause);

test('the fence recorded first, its switchover a moment later: one entry, the switchover', async (t) => {
  const env = await TestEnv.create(t);
  const dir = await env.directory();
  t.is(await dir.recordChange('a', fence({ at: at - 30 })), 'recorded');
  t.is(await dir.recordChange('a', switchover), 'recorded');
  t.deepEqual(causes(await dir.readHistory('a')), ['switchover']);
});

test('the switchover first, then its fence: the fence is already recorded', async (t) => {
  const env = await TestEnv.create(t);
  const dir = await env.directory();
  await dir.recordChange('b', switchover);
  t.is(await dir.recordChange('b', fence()), 'already recorded');
  t.deepEqual(causes(await dir.readHistory('b')), ['switchover']);
});

test('both at once, many times: one entry each time', async (t) => {
  const env = await TestEnv.create(t);
  const dir = await env.directory();
  for (let i = 0; i < 10; i += 1) {
    const set = `c${i}`;
    await Promise.all([dir.recordChange(set, switchover), dir.recordChange(set, fence())]);
    t.deepEqual(causes(await dir.readHistory(set)), ['switchover'], set);
  }
});

test('a fence of its own (20 s later, or to another master) stays', async (t) => {
  const env = await TestEnv.create(t);
  const dir = await env.directory();
  await dir.recordChange('d', switchover);
  t.is(await dir.recordChange('d', fence({ at: at + 20_000 })), 'recorded');
  t.is(await dir.recordChange('d', fence({ to: '10.0.0.3:6379' })), 'recorded');
  t.deepEqual(causes(await dir.readHistory('d')), ['switchover', 'fence', 'fence']);
});
