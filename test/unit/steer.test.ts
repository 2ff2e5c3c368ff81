import test from 'ava';
import type { HandoverClaim } from '../../packages/core/src/switchover/claims';
import { planSteer, sentinelPicks, steeredTo } from '../../packages/redis-wrapper/src/node/steer';
import { addr, dead, liveMaster, liveReplica, sentinelReplica, sentinelView, unreachableSentinel } from '../helpers/fixtures';

// Before the crash failover asks Sentinel: which replica of the dead master Sentinel is left to promote.
const M = addr('10.0.0.1:6379');
const B = addr('10.0.0.2:6379');
const C = addr('10.0.0.3:6379');
const D = addr('10.0.0.4:6379');
const claim = (excluded: Array<[ReturnType<typeof addr>, number]>): HandoverClaim => ({
  by: 'redis-zk cli on host',
  at: 0,
  excluded: excluded.map(([address, priority]) => ({ address, priority })),
});

test('one replica behind the other (nemesis seed 1472279534): only the freshest is left to Sentinel', (t) => {
  const plan = planSteer([dead(M), liveReplica(B, M, { offset: 33688, priority: 100 }), liveReplica(C, M, { offset: 33798, priority: 100 })], M, []);
  t.deepEqual(plan?.keep, C);
  t.is(plan?.givePriority, null);
  t.deepEqual(plan?.replicas, [B, C]);
  t.regex(plan?.reason ?? '', /10\.0\.0\.3:6379 is the freshest replica Sentinel may promote \(offset 33798\)/);
});

test('level replicas still leave one choice: Sentinel picks by a view up to a second old', (t) => {
  const plan = planSteer([liveReplica(B, M, { offset: 500 }), liveReplica(C, M, { offset: 500 })], M, []);
  t.truthy(plan);
});

test('one replica, or none: no choice to make', (t) => {
  t.is(planSteer([liveReplica(B, M, { offset: 500 })], M, []), null);
  t.is(planSteer([], M, []), null);
});

test('only reachable replicas of the dead master count', (t) => {
  const plan = planSteer(
    [
      liveReplica(B, M, { offset: 100 }),
      liveReplica(C, M, { offset: 900 }),
      liveReplica(D, B, { offset: 5000 }),
      dead(addr('10.0.0.5:6379')),
      liveMaster(addr('10.0.0.6:6379')),
    ],
    M,
    [],
  );
  t.deepEqual(plan?.keep, C);
  t.deepEqual(plan?.replicas, [B, C]);
});

test('the freshest is never-promote (priority 0, no claim): the freshest of the others, and the reason says what is further along', (t) => {
  const plan = planSteer(
    [liveReplica(B, M, { offset: 100, priority: 100 }), liveReplica(C, M, { offset: 900, priority: 0 }), liveReplica(D, M, { offset: 500, priority: 100 })],
    M,
    [],
  );
  t.deepEqual(plan?.keep, D);
  t.regex(plan?.reason ?? '', /further along but never to be promoted: 10\.0\.0\.3:6379 at 900/);
});

test('only one replica may be promoted: Sentinel has no choice, nothing to change', (t) => {
  t.is(planSteer([liveReplica(B, M, { offset: 100, priority: 100 }), liveReplica(C, M, { offset: 900, priority: 0 })], M, []), null);
  t.is(planSteer([liveReplica(B, M, { offset: 900, priority: 100 }), liveReplica(C, M, { offset: 100, priority: 0 })], M, []), null);
});

test('no replica may be promoted at all: nothing to do', (t) => {
  t.is(planSteer([liveReplica(B, M, { offset: 100, priority: 0 }), liveReplica(C, M, { offset: 900, priority: 0 })], M, []), null);
});

test('the freshest was made ineligible by a switchover under way (nemesis seed 1472279534, 21 lost): it gets its claimed priority back and is kept', (t) => {
  const plan = planSteer([liveReplica(B, M, { offset: 83317, priority: 100 }), liveReplica(C, M, { offset: 86333, priority: 0 })], M, [claim([[C, 100]])]);
  t.deepEqual(plan?.keep, C);
  t.is(plan?.givePriority, 100);
  t.regex(plan?.reason ?? '', /its replica-priority 100 is given back/);
});

const S1 = addr('10.0.1.1:26379');
const S2 = addr('10.0.1.2:26379');

test("Sentinel's own pick: the lowest priority above 0, then the highest offset it last read, among replicas it does not think down", (t) => {
  const view = sentinelView(S1, M, {
    replicas: [
      sentinelReplica(B, M, { priority: 100, offset: 900 }),
      sentinelReplica(C, M, { priority: 50, offset: 100 }),
      sentinelReplica(D, M, { priority: 10, offset: 5000, ok: false, up: false }),
      sentinelReplica(addr('10.0.0.9:6379'), M, { priority: 100, offset: 99999, ok: false }), // its link down (the master died): still a candidate, after C
    ],
  });
  t.deepEqual(sentinelPicks(view), [C]);
  t.deepEqual(sentinelPicks(sentinelView(S1, M, { replicas: [sentinelReplica(B, M, { priority: 0 })] })), []);
  t.deepEqual(sentinelPicks(unreachableSentinel(S1)), []);
});

test('a tie (same priority and offset as Sentinel last read them): either may be picked (Sentinel then compares run ids)', (t) => {
  const tie = sentinelView(S1, M, { replicas: [sentinelReplica(B, M, { offset: 500 }), sentinelReplica(C, M, { offset: 500 })] });
  t.deepEqual(sentinelPicks(tie), [B, C]);
  t.false(steeredTo(tie, C));
  t.true(steeredTo(sentinelView(S1, M, { replicas: [sentinelReplica(B, M, { offset: 500, priority: 0 }), sentinelReplica(C, M, { offset: 500 })] }), C));
});

test('every sentinel would pick the freshest by its own view: nothing to change, no wait', (t) => {
  const probes = [liveReplica(B, M, { offset: 33688, priority: 100 }), liveReplica(C, M, { offset: 33798, priority: 100 })];
  const picksC = sentinelView(S1, M, { replicas: [sentinelReplica(B, M, { offset: 30000 }), sentinelReplica(C, M, { offset: 31000 })] });
  const picksB = sentinelView(S2, M, { replicas: [sentinelReplica(B, M, { offset: 31000 }), sentinelReplica(C, M, { offset: 30000 })] });
  t.is(planSteer(probes, M, [], [picksC, unreachableSentinel(S2)]), null);
  t.deepEqual(planSteer(probes, M, [], [picksC, picksB])?.keep, C, 'one sentinel would pick the one behind: steered');
  const tie = sentinelView(S2, M, { replicas: [sentinelReplica(B, M, { offset: 30000 }), sentinelReplica(C, M, { offset: 30000 })] });
  t.deepEqual(planSteer(probes, M, [], [picksC, tie])?.keep, C, 'one sentinel has them level: it may pick either, steered');
});
