import test from 'ava';
import { formatAddress } from '../../packages/core/src/address';
import type { Probe } from '../../packages/core/src/redis/probe';
import type { ReplicationState } from '../../packages/core/src/redis/replication';
import type { SentinelView } from '../../packages/core/src/sentinel/query';
import { decideRole, type RoleAction, type RoleView } from '../../packages/redis-wrapper/src/node/role-decide';
import { probeTimeoutFor, writePauseFor } from '../../packages/redis-wrapper/src/node/tick-timing';
import { decideRecovery, type RecoverySnapshot } from '../../packages/redis-wrapper/src/node/recovery-decide';
import { namedMasterKnown } from '../../packages/redis-wrapper/src/node/role-decide';
import type { NodeTags } from '../../packages/core/src/members/tags';
import { primary, readiness, replica } from '../../packages/redis-wrapper/src/node/health';
import { addr, dead, liveMaster, liveReplica, replicationOf, sentinelReplica, sentinelView, unreachableSentinel } from '../helpers/fixtures';

const SELF = addr('10.0.0.1:6379');
const A = addr('10.0.0.2:6379'); // the old master
const P = addr('10.0.0.3:6379'); // the promoted one
const Q = addr('10.0.0.4:6379');
const S = [1, 2, 3].map((i) => addr(`10.0.1.${i}:26379`));

interface ViewInput {
  local?: ReplicationState | null;
  registered?: typeof A | null;
  sentinels?: SentinelView[];
  probes?: Probe[];
  masterlessForMs?: number;
  zkCurrent?: boolean;
  paused?: RoleView['paused'];
  failoverReported?: RoleView['failoverReported'];
}
const view = (v: ViewInput): RoleView => ({
  self: SELF,
  local: v.local === undefined ? replicationOf({ role: 'replica', following: A, linkUp: true }) : v.local,
  registered: v.registered ?? null,
  zkCurrent: v.zkCurrent ?? true,
  sentinels: v.sentinels ?? [],
  probes: new Map((v.probes ?? []).map((p) => [formatAddress(p.address), p])),
  masterlessForMs: v.masterlessForMs ?? 0,
  stuckAfterMs: 12_000,
  ...(v.paused !== undefined ? { paused: v.paused } : {}),
  ...(v.failoverReported ? { failoverReported: v.failoverReported } : {}),
});
const PAUSE = { by: 'redis-zk on ops1 (alice)', at: Date.parse('2026-12-07T01:00:00Z'), reason: 'agent maintenance' };
const all = (master: typeof A | null, o: { failover?: boolean } = {}) => S.map((s) => sentinelView(s, master, o));
const replicaOf = (m: typeof A | null, o: Partial<ReplicationState> = {}) => replicationOf({ role: 'replica', following: m, linkUp: !!m, ...o });
const master = replicationOf({ role: 'master' });

const roleCases: Array<{ title: string; view: RoleView; kind: RoleAction['kind']; master?: typeof A; reason?: RegExp }> = [
  // A replica whose master is gone re-points (issue: orphaned replica).
  {
    title: 'replica of a dead master; sentinels and ZooKeeper name live P -> follow P',
    view: view({ local: replicaOf(A), registered: P, sentinels: all(P), probes: [dead(A), liveMaster(P)] }),
    kind: 'follow',
    master: P,
    reason: /does not answer/,
  },
  {
    title: 'replica of a dead master; only the sentinels name live P (ZooKeeper lags) -> follow P',
    view: view({ local: replicaOf(A), registered: A, sentinels: all(P), probes: [dead(A), liveMaster(P)] }),
    kind: 'follow',
    master: P,
  },
  {
    title: 'replica of a dead master; only ZooKeeper names live P (after a recovery) -> follow P',
    view: view({ local: replicaOf(A), registered: P, sentinels: all(A), probes: [dead(A), liveMaster(P)] }),
    kind: 'follow',
    master: P,
  },
  {
    title: "replica chained through a node that is now a replica -> follow the set's master",
    view: view({ local: replicaOf(Q), registered: P, sentinels: all(P), probes: [liveReplica(Q, P), liveMaster(P)] }),
    kind: 'follow',
    master: P,
    reason: /not a master/,
  },
  {
    title: 'replica of a live master the set has left (sentinels and ZooKeeper name P) -> follow P',
    view: view({ local: replicaOf(A), registered: P, sentinels: all(P), probes: [liveMaster(A), liveMaster(P)] }),
    kind: 'follow',
    master: P,
    reason: /has left/,
  },
  {
    title: 'replica of a live master; only the sentinels name another -> none (wait for ZooKeeper to agree)',
    view: view({ local: replicaOf(A), registered: A, sentinels: all(P), probes: [liveMaster(A), liveMaster(P)] }),
    kind: 'none',
  },
  {
    title: "replica that follows no address -> follow the set's master",
    view: view({ local: replicaOf(null), registered: P, sentinels: all(P), probes: [liveMaster(P)] }),
    kind: 'follow',
    master: P,
  },
  {
    title: "replica already following the set's master -> none",
    view: view({ local: replicaOf(P), registered: P, sentinels: all(P), probes: [liveMaster(P)] }),
    kind: 'none',
  },
  // During Sentinel's failover a replica is left to Sentinel, unless its master is dead and the
  // newest config names a live promoted master (Sentinel's leader may re-point it a failover-timeout late).
  {
    title: "a failover in progress; replica of a dead master; the newest config's sentinels name live P -> follow P",
    view: view({ local: replicaOf(A), registered: A, sentinels: all(P, { failover: true }), probes: [dead(A), liveMaster(P)] }),
    kind: 'follow',
    master: P,
    reason: /does not answer, while Sentinel fails over: the sentinels at config epoch 1 name live master 10\.0\.0\.3:6379 \(3\/3 answer\)/,
  },
  {
    title: 'a failover in progress; the leader gives clients P at epoch 2, the others still name A at epoch 1; A dead -> follow P',
    view: view({
      local: replicaOf(A),
      registered: A,
      sentinels: [sentinelView(S[0]!, A, { failover: true, current: P, epoch: 2 }), sentinelView(S[1]!, A, { epoch: 1 }), unreachableSentinel(S[2]!)],
      probes: [dead(A), liveMaster(P)],
    }),
    kind: 'follow',
    master: P,
  },
  {
    title: 'a failover in progress; replica of a live master (a switchover) -> none, left to Sentinel',
    view: view({ local: replicaOf(A), registered: A, sentinels: all(P, { failover: true }), probes: [liveMaster(A), liveMaster(P)] }),
    kind: 'none',
    reason: /failing over/,
  },
  {
    title: 'a failover in progress; A dead; P named but not promoted yet (still a replica) -> none',
    view: view({ local: replicaOf(A), registered: A, sentinels: all(P, { failover: true }), probes: [dead(A), liveReplica(P, A)] }),
    kind: 'none',
    reason: /failing over/,
  },
  {
    title: 'a failover in progress; A dead; only 1 of 3 sentinels answers (it names live P) -> none',
    view: view({
      local: replicaOf(A),
      registered: A,
      sentinels: [sentinelView(S[0]!, P, { failover: true, epoch: 2 }), unreachableSentinel(S[1]!), unreachableSentinel(S[2]!)],
      probes: [dead(A), liveMaster(P)],
    }),
    kind: 'none',
  },
  {
    title: 'a failover in progress; A dead; the newest config names this node (being promoted) -> none',
    view: view({ local: replicaOf(A), registered: A, sentinels: all(SELF, { failover: true }), probes: [dead(A)] }),
    kind: 'none',
  },
  {
    title: "a failover in progress; A dead; the newest config's sentinels disagree -> none",
    view: view({
      local: replicaOf(A),
      registered: A,
      sentinels: [sentinelView(S[0]!, P, { failover: true, epoch: 2 }), sentinelView(S[1]!, Q, { epoch: 2 }), sentinelView(S[2]!, A, { epoch: 1 })],
      probes: [dead(A), liveMaster(P), liveMaster(Q)],
    }),
    kind: 'none',
  },
  { title: 'local redis-server does not answer -> none', view: view({ local: null, registered: P, sentinels: all(P), probes: [liveMaster(P)] }), kind: 'none' },
  {
    title: 'sentinels split 1/1/1 (no majority), ZooKeeper names live P -> follow P',
    view: view({
      local: replicaOf(A),
      registered: P,
      sentinels: [sentinelView(S[0]!, A), sentinelView(S[1]!, P), sentinelView(S[2]!, Q)],
      probes: [dead(A), liveMaster(P), dead(Q)],
    }),
    kind: 'follow',
    master: P,
  },
  {
    title: 'the named master is dead too -> none while young',
    view: view({ local: replicaOf(A), registered: A, sentinels: all(A), probes: [dead(A)], masterlessForMs: 3000 }),
    kind: 'none',
    reason: /waiting for Sentinel/,
  },
  {
    title: 'no live master for longer than stuckAfterMs -> recover',
    view: view({ local: replicaOf(A), registered: A, sentinels: all(A), probes: [dead(A)], masterlessForMs: 12_000 }),
    kind: 'recover',
  },
  {
    title: 'every sentinel unreachable and ZooKeeper names the followed live master -> none',
    view: view({ local: replicaOf(P), registered: P, sentinels: S.map(unreachableSentinel), probes: [liveMaster(P)] }),
    kind: 'none',
  },

  // A master the set has moved on from fences itself; nothing else demotes it.
  {
    title: "master; sentinels and ZooKeeper both name live P -> fence (become P's replica)",
    view: view({ local: master, registered: P, sentinels: all(P), probes: [liveMaster(P)] }),
    kind: 'fence',
    master: P,
  },
  {
    title: 'master; only the sentinels name P (ZooKeeper names this node) -> none',
    view: view({ local: master, registered: SELF, sentinels: all(P), probes: [liveMaster(P)] }),
    kind: 'none',
  },
  {
    title: 'master; only ZooKeeper names P -> none (ZooKeeper alone never demotes)',
    view: view({ local: master, registered: P, sentinels: all(SELF), probes: [liveMaster(P)] }),
    kind: 'none',
  },
  {
    title: 'master; ZooKeeper answers (names this node), every sentinel unreachable -> none (a Sentinel outage alone never stops writes)',
    view: view({ local: master, registered: SELF, sentinels: S.map(unreachableSentinel), probes: [] }),
    kind: 'none',
  },
  // A master cut off from both ZooKeeper and a Sentinel majority pauses its writes (a short, renewed CLIENT PAUSE WRITE).
  {
    title: 'master; ZooKeeper unreachable (last known: this node), every sentinel unreachable -> pause',
    view: view({ local: master, registered: SELF, zkCurrent: false, sentinels: S.map(unreachableSentinel), probes: [] }),
    kind: 'pause',
    reason: /ZooKeeper is out of reach and 3 of 3 sentinels/,
  },
  {
    title: "master; ZooKeeper unreachable, only its own agent's sentinel answers (1 of 3) -> pause",
    view: view({
      local: master,
      registered: SELF,
      zkCurrent: false,
      sentinels: [sentinelView(S[0]!, SELF), unreachableSentinel(S[1]!), unreachableSentinel(S[2]!)],
    }),
    kind: 'pause',
    reason: /2 of 3 sentinels are out of reach/,
  },
  {
    title: 'master; ZooKeeper unreachable, 2 of 3 sentinels answer (a majority) -> none (ZooKeeper away alone never stops writes)',
    view: view({
      local: master,
      registered: SELF,
      zkCurrent: false,
      sentinels: [sentinelView(S[0]!, SELF), sentinelView(S[1]!, SELF), unreachableSentinel(S[2]!)],
    }),
    kind: 'none',
  },
  {
    title: 'master; ZooKeeper unreachable, every sentinel answers -> none',
    view: view({ local: master, registered: SELF, zkCurrent: false, sentinels: all(SELF) }),
    kind: 'none',
  },
  {
    title: 'master; ZooKeeper unreachable, 2 of 4 known sentinels answer (no side has a majority) -> none',
    view: view({
      local: master,
      registered: SELF,
      zkCurrent: false,
      sentinels: [sentinelView(S[0]!, SELF, { knownSentinels: 4 }), sentinelView(S[1]!, SELF, { knownSentinels: 4 }), unreachableSentinel(S[2]!)],
    }),
    kind: 'none',
  },
  {
    title: 'master; ZooKeeper unreachable, 1 answers but knows 4 sentinels, 2 registered -> pause (3 of 4 could fail over)',
    view: view({
      local: master,
      registered: SELF,
      zkCurrent: false,
      sentinels: [sentinelView(S[0]!, SELF, { knownSentinels: 4 }), unreachableSentinel(S[1]!)],
    }),
    kind: 'pause',
    reason: /3 of 4 sentinels/,
  },
  {
    title: 'master; ZooKeeper unreachable and no sentinel known at all -> none (nothing could fail over)',
    view: view({ local: master, registered: SELF, zkCurrent: false, sentinels: [] }),
    kind: 'none',
  },
  {
    title: 'master; ZooKeeper names live P, every sentinel unreachable (a half-healed partition) -> pause',
    view: view({ local: master, registered: P, sentinels: S.map(unreachableSentinel), probes: [liveMaster(P)] }),
    kind: 'pause',
    reason: /ZooKeeper names live master 10.0.0.3:6379 and 3 of 3/,
  },
  {
    title: 'master; ZooKeeper names dead P, every sentinel unreachable -> none',
    view: view({ local: master, registered: P, sentinels: S.map(unreachableSentinel), probes: [dead(P)] }),
    kind: 'none',
  },
  {
    title: 'master; ZooKeeper unreachable, every sentinel names live P at a later epoch (resumed from a freeze, ZooKeeper reconnecting) -> pause',
    view: view({
      local: master,
      registered: SELF,
      zkCurrent: false,
      sentinels: all(P).map((x) => ({ ...x, configEpoch: 5 })),
      probes: [liveMaster(P)],
    }),
    kind: 'pause',
    reason: /3\/3 sentinels name live master/,
  },
  {
    title: 'master; ZooKeeper unreachable, the sentinels name P at the same epoch as a sentinel naming this node (switching) -> none',
    view: view({
      local: master,
      registered: SELF,
      zkCurrent: false,
      sentinels: [sentinelView(S[0]!, P, { epoch: 5 }), sentinelView(S[1]!, P, { epoch: 5 }), sentinelView(S[2]!, SELF, { epoch: 5 })],
      probes: [liveMaster(P)],
    }),
    kind: 'none',
  },
  {
    title: 'master; ZooKeeper unreachable, the one sentinel that answers is failing over -> pause (a failover elsewhere does not excuse it)',
    view: view({
      local: master,
      registered: SELF,
      zkCurrent: false,
      sentinels: [sentinelView(S[0]!, SELF, { failover: true }), unreachableSentinel(S[1]!), unreachableSentinel(S[2]!)],
    }),
    kind: 'pause',
  },
  {
    title: 'replica; ZooKeeper and every sentinel unreachable -> none (only a master pauses)',
    view: view({ local: replicaOf(P), registered: P, zkCurrent: false, sentinels: S.map(unreachableSentinel), probes: [liveMaster(P)] }),
    kind: 'none',
  },
  {
    title: 'master; sentinels and ZooKeeper name P but P is dead -> none (never follow a dead master)',
    view: view({ local: master, registered: P, sentinels: all(P), probes: [dead(P)] }),
    kind: 'none',
  },
  {
    title: 'master; sentinels and ZooKeeper name P, which is a replica -> none',
    view: view({ local: master, registered: P, sentinels: all(P), probes: [liveReplica(P, SELF)] }),
    kind: 'none',
  },
  {
    title: 'master; a failover in progress of another master (this node is the one promoted) -> none',
    view: view({ local: master, registered: P, sentinels: all(P, { failover: true }), probes: [liveMaster(P)] }),
    kind: 'none',
  },
  {
    title:
      'master; a sentinel is failing over from this node (ZooKeeper and the others still name it) -> pause (its other replicas would acknowledge writes the promoted one never gets)',
    view: view({
      local: master,
      registered: SELF,
      sentinels: S.map((s, i) => sentinelView(s, SELF, { failover: i === 0 })),
    }),
    kind: 'pause',
    reason: /sentinel 10\.0\.1\.1:26379 is failing over from this master/,
  },
  {
    title: 'master; the leader has promoted P (gives clients P at epoch 2), still failing over from this node -> fence to P (the promotion is final)',
    view: view({
      local: master,
      registered: SELF,
      sentinels: S.map((s, i) => (i === 0 ? sentinelView(s, SELF, { failover: true, current: P, epoch: 2 }) : sentinelView(s, SELF, { epoch: 1 }))),
      probes: [liveMaster(P)],
    }),
    kind: 'fence',
    master: P,
    reason: /sentinels at config epoch 2 name live master/,
  },
  {
    title: 'master; the leader has promoted P, which does not answer as a master yet -> pause',
    view: view({
      local: master,
      registered: SELF,
      sentinels: S.map((s, i) => (i === 0 ? sentinelView(s, SELF, { failover: true, current: P, epoch: 2 }) : sentinelView(s, SELF, { epoch: 1 }))),
      probes: [liveReplica(P, SELF)],
    }),
    kind: 'pause',
  },
  {
    title: 'master; the leader has promoted P but only it answers of three -> pause (no majority answering)',
    view: view({
      local: master,
      registered: SELF,
      sentinels: [sentinelView(S[0]!, SELF, { failover: true, current: P, epoch: 2 }), unreachableSentinel(S[1]!), unreachableSentinel(S[2]!)],
      probes: [liveMaster(P)],
    }),
    kind: 'pause',
  },
  // Sentinel switching: its leader names the promoted node at the new epoch before the others follow.
  {
    title: 'just promoted: the leader names this node at epoch 5, two sentinels and ZooKeeper still the old live master at 4 -> none',
    view: view({
      local: master,
      registered: A,
      sentinels: [sentinelView(S[0]!, SELF, { epoch: 5 }), sentinelView(S[1]!, A, { epoch: 4 }), sentinelView(S[2]!, A, { epoch: 4 })],
      probes: [liveMaster(A)],
    }),
    kind: 'none',
    reason: /still switching/,
  },
  {
    title: 'stale: every sentinel and ZooKeeper name P at epoch 5 -> fence',
    view: view({ local: master, registered: P, sentinels: all(P).map((x) => ({ ...x, configEpoch: 5 })), probes: [liveMaster(P)] }),
    kind: 'fence',
    master: P,
  },
  {
    title: 'stale, one sentinel lagging at the old epoch naming this node: P at 5 > 4 -> fence',
    view: view({
      local: master,
      registered: P,
      sentinels: [sentinelView(S[0]!, P, { epoch: 5 }), sentinelView(S[1]!, P, { epoch: 5 }), sentinelView(S[2]!, SELF, { epoch: 4 })],
      probes: [liveMaster(P)],
    }),
    kind: 'fence',
    master: P,
  },
  {
    title: 'same epoch on both sides (re-monitored sentinels) and one names this node -> none (no demotion on a tie)',
    view: view({
      local: master,
      registered: P,
      sentinels: [sentinelView(S[0]!, P, { epoch: 0 }), sentinelView(S[1]!, P, { epoch: 0 }), sentinelView(S[2]!, SELF, { epoch: 0 })],
      probes: [liveMaster(P)],
    }),
    kind: 'none',
  },
  {
    title: "replica re-pointed by Sentinel's leader to P (epoch 5) while two sentinels and ZooKeeper still name the old live master (4) -> none",
    view: view({
      local: replicaOf(P),
      registered: A,
      sentinels: [sentinelView(S[0]!, P, { epoch: 5 }), sentinelView(S[1]!, A, { epoch: 4 }), sentinelView(S[2]!, A, { epoch: 4 })],
      probes: [liveMaster(A), liveMaster(P)],
    }),
    kind: 'none',
    reason: /still switching/,
  },
  { title: 'master named by all -> none', view: view({ local: master, registered: SELF, sentinels: all(SELF), probes: [] }), kind: 'none' },
  // Maintenance mode (redis-zk pause): every case above that acts does nothing while the set is paused.
  {
    title: 'paused: replica of a dead master, sentinels and ZooKeeper name live P -> none (no re-pointing)',
    view: view({ local: replicaOf(A), registered: P, sentinels: all(P), probes: [dead(A), liveMaster(P)], paused: PAUSE }),
    kind: 'none',
    reason: /paused \(maintenance mode, by redis-zk on ops1 \(alice\) since 2026-12-07T01:00:00\.000Z\)/,
  },
  {
    title: 'paused: stale master, a Sentinel majority and ZooKeeper name live P -> none (no fence)',
    view: view({ local: master, registered: P, sentinels: all(P, {}).map((v) => ({ ...v, configEpoch: 9 })), probes: [liveMaster(P)], paused: PAUSE }),
    kind: 'none',
    reason: /paused/,
  },
  {
    title: 'paused: master cut off from ZooKeeper and every sentinel -> none (no write pause)',
    view: view({ local: master, registered: SELF, zkCurrent: false, sentinels: S.map(unreachableSentinel), paused: PAUSE }),
    kind: 'none',
    reason: /paused/,
  },
  {
    title: 'paused: a sentinel failing over from this master -> none (no write pause, no fence)',
    view: view({ local: master, registered: SELF, sentinels: all(SELF, { failover: true }), probes: [], paused: PAUSE }),
    kind: 'none',
    reason: /paused/,
  },
  {
    title: 'paused: replica with no live master far past stuckAfterMs -> none (no recovery)',
    view: view({ local: replicaOf(A), registered: A, sentinels: all(A), probes: [dead(A)], masterlessForMs: 600_000, paused: PAUSE }),
    kind: 'none',
    reason: /paused/,
  },
  {
    title: 'not paused (null): replica with no live master past stuckAfterMs -> recover as before',
    view: view({ local: replicaOf(A), registered: A, sentinels: all(A), probes: [dead(A)], masterlessForMs: 600_000, paused: null }),
    kind: 'recover',
  },
  {
    title: 'paused, the local redis-server does not answer -> none (for that reason first)',
    view: view({ local: null, paused: PAUSE }),
    kind: 'none',
    reason: /does not answer/,
  },
  // Nemesis seed 244768771: a sentinel reported +try-failover from this master right after a
  // partition healed, and its connection was not back yet at the next tick.
  {
    title: 'master; a sentinel reported a failover from it 500 ms ago and does not answer now -> pause (it may be promoting)',
    view: view({
      local: master,
      registered: SELF,
      sentinels: [unreachableSentinel(S[0]!), ...S.slice(1).map((s) => sentinelView(s, SELF))],
      probes: [],
      failoverReported: { sentinel: S[0]!, agoMs: 500 },
    }),
    kind: 'pause',
    reason: /reported a failover from this master 500 ms ago and does not answer/,
  },
  {
    title: 'master; the sentinel that reported a failover answers and runs none (aborted) -> none',
    view: view({ local: master, registered: SELF, sentinels: all(SELF), probes: [], failoverReported: { sentinel: S[0]!, agoMs: 500 } }),
    kind: 'none',
  },
  // An orphan (nemesis seed 151222646): a promoted master whose sentinel died before telling anyone.
  {
    title: 'master no sentinel nor ZooKeeper names (they name dead A), unnamed past the stuck bound -> recover (names it)',
    view: view({ local: master, registered: A, sentinels: all(A), probes: [dead(A)], masterlessForMs: 12_500 }),
    kind: 'recover',
    reason: /an orphan/,
  },
  {
    title: 'the same master, unnamed for less than the stuck bound -> none',
    view: view({ local: master, registered: A, sentinels: all(A), probes: [dead(A)], masterlessForMs: 3000 }),
    kind: 'none',
  },
  {
    title: 'replica following a live master no one names, past the stuck bound -> recover (which names it: never a promotion beside a live master)',
    view: view({ local: replicaOf(P), registered: A, sentinels: all(A), probes: [dead(A), liveMaster(P)], masterlessForMs: 12_500 }),
    kind: 'recover',
  },
  {
    title: 'replica following a live master no one names, before the bound -> none',
    view: view({ local: replicaOf(P), registered: A, sentinels: all(A), probes: [dead(A), liveMaster(P)], masterlessForMs: 100 }),
    kind: 'none',
    reason: /no majority of sentinels nor ZooKeeper names yet/,
  },
];
for (const c of roleCases) {
  test(`role: ${c.title}`, (t) => {
    const a = decideRole(c.view);
    t.is(a.kind, c.kind, a.reason);
    if (c.master) t.deepEqual('master' in a ? a.master : null, c.master);
    if (c.reason) t.regex(a.reason, c.reason);
  });
}

// The write pause outlasts the next tick (its interval plus its probes) and expires by itself soon after.
for (const [intervalMs, probeMs, pauseMs] of [
  [1000, 500, 3000],
  [100, 200, 600],
  [5000, 1000, 12000],
] as const) {
  test(`write pause: tick ${intervalMs} ms -> probes ${probeMs} ms, pause ${pauseMs} ms`, (t) => {
    t.is(probeTimeoutFor(intervalMs), probeMs);
    t.is(writePauseFor(intervalMs), pauseMs);
    t.true(writePauseFor(intervalMs) > intervalMs + 2 * probeTimeoutFor(intervalMs));
  });
}

// Recovery: which live node becomes master when Sentinel is stuck.
const NEW = 'c'.repeat(40);
const OLD = 'b'.repeat(40);
// Sentinel takes the master for down (o_down), three sentinels known: the side a failover could run on.
const downAll = (known = 3) => S.map((s) => sentinelView(s, A, { flags: ['master', 's_down', 'o_down'], knownSentinels: known }));
interface RsOptions {
  sentinels?: SentinelView[];
  latest?: string | null;
  paused?: typeof PAUSE | null;
  tags?: Array<[typeof A, NodeTags]>;
  maxLagBytes?: number;
  lastMasterOffset?: number | null;
  registered?: typeof A | null;
}
const rs = (probes: Probe[], o: RsOptions = {}): RecoverySnapshot => ({
  self: SELF,
  probes: new Map(probes.map((p) => [formatAddress(p.address), p])),
  sentinels: o.sentinels ?? downAll(),
  latest: o.latest ?? NEW,
  paused: o.paused ?? null,
  registered: o.registered ?? A,
  tags: new Map((o.tags ?? []).map(([a, t]) => [formatAddress(a), t])),
  maxLagBytes: o.maxLagBytes ?? 0,
  lastMasterOffset: o.lastMasterOffset ?? null,
});
const NEVER: NodeTags = { neverPromote: true, priority: 100 };
const prio = (priority: number): NodeTags => ({ neverPromote: false, priority });
const recoveryCases: Array<{ title: string; s: ReturnType<typeof rs>; kind: 'promote' | 'stand-by' | 'register'; reason?: RegExp; master?: typeof A }> = [
  // Nemesis seed 151222646: a sentinel promoted P, then was stopped before it told anyone; the
  // fresh sentinels and ZooKeeper name the dead A, never learn P, never fail over.
  {
    title: 'an orphan: live master P that no sentinel nor ZooKeeper names, every sentinel takes A for down -> ZooKeeper names P',
    s: rs([dead(A), liveMaster(P), liveReplica(SELF, A, { offset: 900 })], { sentinels: downAll(3) }),
    kind: 'register',
    master: P,
    reason: /no sentinel nor ZooKeeper names/,
  },
  {
    title: 'the orphan itself runs the recovery -> ZooKeeper names it',
    s: rs([dead(A), liveMaster(SELF), liveReplica(Q, A, { offset: 900 })], { sentinels: downAll(3) }),
    kind: 'register',
    master: SELF,
  },
  {
    title: 'a live master a sentinel gives clients mid-failover (its promotion) -> stand by',
    s: rs([dead(A), liveMaster(P), liveReplica(SELF, A, { offset: 900 })], {
      sentinels: [...downAll(3).slice(0, 2), sentinelView(S[2]!, A, { flags: ['master'], failover: true, current: P, knownSentinels: 3 })],
    }),
    kind: 'stand-by',
    reason: /10\.0\.0\.3:6379 is a live master/,
  },
  {
    title: 'ZooKeeper names the live master (the sentinels name dead A) -> stand by',
    s: rs([dead(A), liveMaster(P), liveReplica(SELF, A, { offset: 900 })], { registered: P }),
    kind: 'stand-by',
    reason: /is a live master/,
  },
  {
    title: 'two live masters no one names -> stand by (no choice to make blind)',
    s: rs([dead(A), liveMaster(P), liveMaster(Q), liveReplica(SELF, A, { offset: 900 })]),
    kind: 'stand-by',
    reason: /no one names/,
  },
  {
    title: 'an orphan, but one sentinel known does not answer (maybe beside the real master) -> stand by',
    s: rs([dead(A), liveMaster(P), liveReplica(SELF, A, { offset: 900 })], { sentinels: downAll(4).slice(0, 3) }),
    kind: 'stand-by',
    reason: /needs them all/,
  },
  {
    title: 'this node has the highest offset of the latest history -> promote',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 500, replid: NEW }), liveReplica(Q, A, { offset: 400, replid: NEW })]),
    kind: 'promote',
  },
  {
    title: 'another replica has a higher offset -> stand by for it',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 400, replid: NEW }), liveReplica(Q, A, { offset: 500, replid: NEW })]),
    kind: 'stand-by',
    reason: /10\.0\.0\.4:6379 holds the longest/,
  },
  {
    title: 'higher offset, but of an older history -> the latest history wins',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 400, replid: NEW }), liveReplica(Q, A, { offset: 900, replid: OLD })]),
    kind: 'promote',
  },
  {
    title: 'equal offsets -> the lowest address (every node agrees)',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 500 }), liveReplica(Q, A, { offset: 500 })], { latest: null }),
    kind: 'promote',
  },
  {
    title: 'a live master the sentinels name exists -> stand by (follow it instead)',
    s: rs([liveMaster(P), liveReplica(SELF, A, { offset: 900 })], { sentinels: all(P) }),
    kind: 'stand-by',
    reason: /live master/,
  },
  {
    title: 'a sentinel is failing over -> stand by',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 })], { sentinels: downAll().map((v) => ({ ...v, failoverInProgress: true })) }),
    kind: 'stand-by',
  },
  {
    title: 'the minority side of a partition: 2 of the 4 sentinels known answer -> stand by (the master may be alive out of reach)',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 })], { sentinels: downAll(4).slice(0, 2) }),
    kind: 'stand-by',
    reason: /needs them all/,
  },
  {
    title: 'the sentinels do not take the master for down (only this node cannot reach it) -> stand by',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 })], { sentinels: all(A) }),
    kind: 'stand-by',
    reason: /needs them all/,
  },
  {
    title: '3 of 4 known sentinels answer (one out of reach: maybe beside a live master) -> stand by',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 })], { sentinels: downAll(4).slice(0, 3) }),
    kind: 'stand-by',
    reason: /needs them all/,
  },
  {
    title: 'every one of the 3 known sentinels answers and takes it for down -> promote',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 })], { sentinels: downAll(3) }),
    kind: 'promote',
  },
  {
    title: 'paused (read again under the lock): this node would win -> stand by',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 })], { sentinels: downAll(3), paused: PAUSE }),
    kind: 'stand-by',
    reason: /paused \(maintenance mode, by redis-zk on ops1/,
  },
  { title: 'no live node holds data -> stand by (never an empty node as master)', s: rs([dead(A), liveReplica(SELF, A, { offset: 0 })]), kind: 'stand-by' },
  {
    title: 'a sentinel stuck past its promotion (promoted replica dead, Sentinel never ends it), on the old master now a replica -> promote',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 }), liveReplica(Q, A, { offset: 800 })], {
      sentinels: [...downAll(3).slice(0, 2), sentinelView(S[2]!, Q, { flags: ['master'], failover: true, current: A, knownSentinels: 3 })],
    }),
    kind: 'promote',
  },
  {
    title: 'the stuck sentinel still counts a dead peer the others forgot (4 known to it, 3 to them) -> promote',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 }), liveReplica(Q, A, { offset: 800 })], {
      sentinels: [...downAll(3).slice(0, 2), sentinelView(S[2]!, Q, { flags: ['master'], failover: true, current: A, knownSentinels: 4 })],
    }),
    kind: 'promote',
  },
  {
    title: 'a sentinel failing over before its promotion (it still gives clients the dead master) -> stand by',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 })], {
      sentinels: [...downAll(3).slice(0, 2), sentinelView(S[2]!, A, { flags: ['master', 's_down', 'o_down'], failover: true, knownSentinels: 3 })],
    }),
    kind: 'stand-by',
    reason: /failing over/,
  },
  {
    title: 'a sentinel past its promotion whose promoted replica answers -> stand by (Sentinel is finishing)',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 }), liveReplica(Q, A, { offset: 800 })], {
      sentinels: [...downAll(3).slice(0, 2), sentinelView(S[2]!, A, { flags: ['master'], failover: true, current: Q, knownSentinels: 3 })],
    }),
    kind: 'stand-by',
    reason: /failing over/,
  },
  // Node tags (#29): never a never-promote node; FAILOVER_PRIORITY breaks ties of equal data.
  {
    title: 'this node is never-promote, with the longest history -> stand by',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 }), liveReplica(Q, A, { offset: 800 })], { tags: [[SELF, NEVER]] }),
    kind: 'stand-by',
    reason: /never-promote/,
  },
  {
    title: 'the freshest replica is never-promote -> this node (next freshest) is promoted',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 800 }), liveReplica(Q, A, { offset: 900 })], { tags: [[Q, NEVER]] }),
    kind: 'promote',
  },
  {
    title: 'equal offsets, the other has the lower FAILOVER_PRIORITY -> stand by for it (despite the lower address here)',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 500 }), liveReplica(Q, A, { offset: 500 })], { tags: [[Q, prio(10)]] }),
    kind: 'stand-by',
    reason: /10\.0\.0\.4:6379 holds the longest/,
  },
  {
    title: 'a lower FAILOVER_PRIORITY never beats more data -> promote the fresher',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 501 }), liveReplica(Q, A, { offset: 500 })], { tags: [[Q, prio(1)]] }),
    kind: 'promote',
  },
  // RPO guard (#29, point 4): FAILOVER_MAX_LAG_BYTES against the old master's last known offset.
  {
    title: 'RPO guard: 100 bytes behind the last known master offset, limit 1000 -> promote',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 })], { maxLagBytes: 1000, lastMasterOffset: 1000 }),
    kind: 'promote',
  },
  {
    title: 'RPO guard: 5000 bytes behind the last known master offset, limit 1000 -> stand by',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 })], { maxLagBytes: 1000, lastMasterOffset: 5900 }),
    kind: 'stand-by',
    reason: /RPO guard: this node is 5000 bytes behind/,
  },
  {
    title: 'RPO guard off (0): far behind -> promote',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 })], { maxLagBytes: 0, lastMasterOffset: 1_000_000 }),
    kind: 'promote',
  },
  {
    title: 'RPO guard, master offset unknown: measured against the live nodes only -> promote',
    s: rs([dead(A), liveReplica(SELF, A, { offset: 900 })], { maxLagBytes: 10 }),
    kind: 'promote',
  },
];
for (const c of recoveryCases) {
  test(`recovery: ${c.title}`, (t) => {
    const d = decideRecovery(c.s);
    t.is(d.kind, c.kind, d.reason);
    if (c.reason) t.regex(d.reason, c.reason);
    if (c.master) t.deepEqual(d.kind === 'register' ? d.master : null, c.master);
  });
}

// The node API's verdicts.
const listed = (ok: boolean, following = P) => [sentinelReplica(SELF, following, { ok, offset: 0 })];
const primaryCases: Array<{ title: string; view: RoleView; ok: boolean; reason?: RegExp }> = [
  { title: 'a master ZooKeeper and every sentinel name', view: view({ local: master, registered: SELF, sentinels: all(SELF) }), ok: true },
  { title: 'ZooKeeper names another', view: view({ local: master, registered: P, sentinels: all(SELF) }), ok: false, reason: /ZooKeeper names/ },
  { title: 'the sentinels name another', view: view({ local: master, registered: SELF, sentinels: all(P), probes: [liveMaster(P)] }), ok: false },
  { title: 'no sentinel answers', view: view({ local: master, registered: SELF, sentinels: S.map(unreachableSentinel) }), ok: false, reason: /0\/3/ },
  {
    title: "cut off with its own agent's sentinel only (1/3 answer, naming it)",
    view: view({ local: master, registered: SELF, sentinels: S.map((s, i) => (i === 0 ? sentinelView(s, SELF) : unreachableSentinel(s))) }),
    ok: false,
    reason: /1\/3 sentinels answer/,
  },
  {
    title: '2/3 answer, both naming it',
    view: view({ local: master, registered: SELF, sentinels: S.map((s, i) => (i === 0 ? unreachableSentinel(s) : sentinelView(s, SELF))) }),
    ok: true,
  },
  {
    title: "just promoted: the failover's leader (epoch 2) gives clients this node, the others (epoch 1) still the old master",
    view: view({
      local: master,
      registered: SELF,
      sentinels: S.map((s, i) => (i === 0 ? sentinelView(s, A, { epoch: 2, current: SELF, failover: true }) : sentinelView(s, A, { epoch: 1 }))),
    }),
    ok: true,
    reason: /config epoch 2/,
  },
  {
    title: 'a majority names this node at epoch 1, one sentinel names P at epoch 2 (the set moved on)',
    view: view({
      local: master,
      registered: SELF,
      sentinels: S.map((s, i) => (i === 0 ? sentinelView(s, P, { epoch: 2 }) : sentinelView(s, SELF, { epoch: 1 }))),
      probes: [liveMaster(P)],
    }),
    ok: false,
    reason: /epoch 2 name/,
  },
  {
    title: 'two sentinels at the newest epoch disagree',
    view: view({
      local: master,
      registered: SELF,
      sentinels: S.map((s, i) => sentinelView(s, i === 0 ? P : SELF, { epoch: i < 2 ? 3 : 1 })),
    }),
    ok: false,
    reason: /disagree/,
  },
  { title: 'a replica', view: view({ local: replicaOf(P), registered: SELF, sentinels: all(SELF) }), ok: false },
  { title: 'redis does not answer', view: view({ local: null, registered: SELF, sentinels: all(SELF) }), ok: false },
  { title: 'no sentinel registered', view: view({ local: master, registered: SELF, sentinels: [] }), ok: false },
];
for (const c of primaryCases) {
  test(`primary: ${c.title} -> ${c.ok ? 200 : 503}`, (t) => {
    const verdict = primary(c.view);
    t.is(verdict.ok, c.ok, verdict.reason);
    if (c.reason) t.regex(verdict.reason, c.reason);
  });
}
test("replica: link up to the set's master passes; lag bounds it", (t) => {
  const v = view({ local: replicaOf(P, { offset: 900 }), registered: P, sentinels: all(P), probes: [liveMaster(P, { offset: 1000 })] });
  t.true(replica(v).ok);
  t.true(replica(v, 100).ok);
  t.false(replica(v, 99).ok, 'lag 100 > 99');
  t.false(replica(view({ local: replicaOf(A), registered: P, sentinels: all(P), probes: [dead(A), liveMaster(P)] })).ok, 'follows a dead master');
  t.false(replica(view({ local: replicaOf(P, { linkUp: false }), registered: P, sentinels: all(P), probes: [liveMaster(P)] })).ok, 'link down');
  t.false(replica(view({ local: replicaOf(P, { syncInProgress: true }), registered: P, sentinels: all(P), probes: [liveMaster(P)] })).ok, 'syncing');
});
test('readiness: a replica is ready only once a Sentinel majority lists it with its link up', (t) => {
  const base = { local: replicaOf(P), registered: P, probes: [liveMaster(P)] };
  t.false(readiness(view({ ...base, sentinels: S.map((s) => sentinelView(s, P, { replicas: [] })) })).ok, 'no sentinel knows it');
  t.false(readiness(view({ ...base, sentinels: S.map((s, i) => sentinelView(s, P, { replicas: i === 0 ? listed(true) : [] })) })).ok, '1/3');
  t.true(readiness(view({ ...base, sentinels: S.map((s, i) => sentinelView(s, P, { replicas: i < 2 ? listed(true) : [] })) })).ok, '2/3');
  t.false(readiness(view({ ...base, sentinels: S.map((s) => sentinelView(s, P, { replicas: listed(false) })) })).ok, 'listed, link down');
  t.true(readiness(view({ ...base, sentinels: [] })).ok, 'no sentinel registered yet (first deployment)');
  t.false(readiness(view({ ...base, local: replicaOf(P, { syncInProgress: true }), sentinels: [] })).ok, 'still syncing');
  t.true(readiness(view({ local: master, registered: SELF, sentinels: [] })).ok, 'a registered master');
  t.false(readiness(view({ local: master, registered: P, sentinels: [] })).ok, 'a master ZooKeeper does not name');
});

const known = (v: ViewInput) => namedMasterKnown(view(v));
test('a named master is known: this master named by ZooKeeper or a sentinel; a live master named elsewhere; a followed named one', (t) => {
  t.true(known({ local: master, registered: SELF, sentinels: all(A), probes: [dead(A)] }), 'ZooKeeper names this master');
  t.true(known({ local: master, registered: A, sentinels: all(SELF), probes: [dead(A)] }), 'the sentinels name this master');
  t.true(
    known({ local: master, registered: A, sentinels: all(A, { failover: true }).map((x) => ({ ...x, current: SELF })), probes: [dead(A)] }),
    'a sentinel gives it to clients mid-failover',
  );
  t.false(known({ local: master, registered: A, sentinels: all(A), probes: [dead(A)] }), 'an orphan: everyone names dead A');
  t.true(known({ local: replicaOf(P), registered: P, sentinels: all(A), probes: [dead(A), liveMaster(P)] }), 'following P, which ZooKeeper names');
  t.false(known({ local: replicaOf(P), registered: A, sentinels: all(A), probes: [dead(A), liveMaster(P)] }), 'following an orphan: no one names P');
  t.true(known({ local: replicaOf(A), registered: A, sentinels: all(P), probes: [dead(A), liveMaster(P)] }), 'the sentinels name live P');
  t.false(known({ local: replicaOf(A), registered: A, sentinels: all(A), probes: [dead(A)] }), 'everyone names dead A');
});
