import test from 'ava';
import { planCatchUp } from '../../packages/redis-wrapper/src/node/catch-up';
import { addr, dead, liveMaster, liveReplica } from '../helpers/fixtures';

// Before the crash failover asks Sentinel: which replicas of the dead master are re-pointed to the freshest.
const M = addr('10.0.0.1:6379');
const B = addr('10.0.0.2:6379');
const C = addr('10.0.0.3:6379');
const D = addr('10.0.0.4:6379');

test('one replica behind the other: it catches up from the freshest', (t) => {
  const plan = planCatchUp([dead(M), liveReplica(B, M, { offset: 33688 }), liveReplica(C, M, { offset: 33798 })], M);
  t.deepEqual(plan?.source, C);
  t.is(plan?.offset, 33798);
  t.deepEqual(plan?.behind, [B]);
  t.regex(plan?.reason ?? '', /10\.0\.0\.3:6379 is at offset 33798; 10\.0\.0\.2:6379 at 33688 behind/);
});

test('replicas level, or only one replica: nothing to do', (t) => {
  t.is(planCatchUp([liveReplica(B, M, { offset: 500 }), liveReplica(C, M, { offset: 500 })], M), null);
  t.is(planCatchUp([liveReplica(B, M, { offset: 500 })], M), null);
  t.is(planCatchUp([], M), null);
});

test('only replicas of the dead master, on its history, count; unreachable ones are left', (t) => {
  const plan = planCatchUp(
    [
      liveReplica(B, M, { offset: 100 }),
      liveReplica(C, M, { offset: 900 }),
      liveReplica(D, B, { offset: 50 }), // follows another node
      dead(addr('10.0.0.5:6379')),
      liveMaster(addr('10.0.0.6:6379')),
    ],
    M,
  );
  t.deepEqual(plan?.behind, [B]);
  const otherHistory = planCatchUp([liveReplica(B, M, { offset: 100, replid: 'a'.repeat(40) }), liveReplica(C, M, { offset: 900, replid: 'b'.repeat(40) })], M);
  t.is(otherHistory, null, 'a replica on another history is never re-pointed by this');
});
