import test from 'ava';
import { findProblems, type SetFacts } from '../../packages/core/src/status/problems';
import { addr, dead, liveMaster, liveReplica } from '../helpers/fixtures';

const M = addr('10.0.0.1:6379');
const R1 = addr('10.0.0.2:6379');
const R2 = addr('10.0.0.3:6379');
const GONE = addr('10.0.0.9:6379');
const facts = (o: Partial<SetFacts>): SetFacts => ({
  master: M,
  masterProbe: liveMaster(M),
  nodes: [liveMaster(M), liveReplica(R1, M, { linkUp: true }), liveReplica(R2, M, { linkUp: true })],
  sentinelReplicas: [R1, R2],
  oDown: false,
  failoverInProgress: false,
  ...o,
});
const kinds = (f: SetFacts) => findProblems(f).map((p) => p.kind);

test('a healthy set has no problem', (t) => t.deepEqual(kinds(facts({})), []));
test('a replica following a dead address is orphaned', (t) => {
  t.deepEqual(kinds(facts({ nodes: [liveMaster(M), liveReplica(R1, GONE), liveReplica(R2, M, { linkUp: true })] })), ['orphaned-replica']);
});
test('a replica chained through another replica is orphaned', (t) => {
  t.deepEqual(kinds(facts({ nodes: [liveMaster(M), liveReplica(R1, R2), liveReplica(R2, M, { linkUp: true })] })), ['orphaned-replica']);
});
test('a synced replica no sentinel lists is reported', (t) => {
  t.deepEqual(kinds(facts({ sentinelReplicas: [R1] })), ['replica-unknown-to-sentinel']);
});
test('no sentinel answers: nothing said about what they know', (t) => t.deepEqual(kinds(facts({ sentinelReplicas: null })), []));
test('the master is dead: no live master; replicas of it are not called orphaned', (t) => {
  t.deepEqual(kinds(facts({ masterProbe: dead(M), nodes: [liveReplica(R1, M), liveReplica(R2, M)] })), ['no-live-master']);
});
test('the master is dead and down by quorum, no failover running: stuck', (t) => {
  t.deepEqual(kinds(facts({ masterProbe: dead(M), nodes: [], oDown: true })), ['no-live-master', 'failover-stuck']);
});
test('down by quorum while a failover runs: not stuck (yet)', (t) => {
  t.deepEqual(kinds(facts({ masterProbe: dead(M), nodes: [], oDown: true, failoverInProgress: true })), ['no-live-master']);
});
test('ZooKeeper names a replica: no live master', (t) => {
  t.deepEqual(kinds(facts({ masterProbe: liveReplica(M, R1), nodes: [] })), ['no-live-master']);
});
