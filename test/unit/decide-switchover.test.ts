import test from 'ava';
import { decideSwitchover, type SwitchoverFacts } from '../../packages/cli/src/decide-switchover';
import type { Consensus } from '../../packages/core/src/set/facts';
import { addr, replicationOf } from '../helpers/fixtures';

const M = addr('10.0.0.1:6379');
const R1 = addr('10.0.0.2:6379');
const R2 = addr('10.0.0.3:6379');
const agree = (master = M, o: Partial<Consensus> = {}): Consensus => ({ master, votes: 3, voters: 3, failoverInProgress: false, configEpoch: 4, ...o });
const masterState = (online = [true, true]) =>
  replicationOf({ role: 'master', offset: 100, replicas: [R1, R2].map((address, i) => ({ address, offset: 100, online: online[i] ?? false })) });
const replicaState = (o: { linkUp?: boolean; following?: typeof M } = {}) =>
  replicationOf({ role: 'replica', linkUp: o.linkUp ?? true, following: o.following ?? M });

const base: SwitchoverFacts = { set: 'mymaster', known: true, registered: M, master: masterState(), consensus: agree(), sentinelsRegistered: 3 };

const cases: Array<[string, Partial<SwitchoverFacts>, 'go' | 'not-found' | 'unsafe', RegExp?]> = [
  ["healthy set, Sentinel's choice", {}, 'go'],
  [
    '--to a never-promote replica (replica-priority 0)',
    { target: R1, targetState: { ...replicaState(), priority: 0 } },
    'unsafe',
    /replica-priority 0 \(never-promote/,
  ],
  ['--to a replica at priority 10', { target: R1, targetState: { ...replicaState(), priority: 10 } }, 'go'],
  ['healthy set, --to a synced replica', { target: R1, targetState: replicaState() }, 'go'],
  ['no such set', { known: false, registered: null, master: null }, 'not-found', /no replica set "mymaster"/],
  [
    'a healthy set that is paused (maintenance mode)',
    { paused: { by: 'redis-zk on ops1', at: Date.parse('2026-12-07T01:00:00Z'), reason: '' } },
    'unsafe',
    /paused \(maintenance mode, since 2026-12-07T01:00:00\.000Z by redis-zk on ops1\): run `redis-zk resume mymaster` first/,
  ],
  ['not paused (null)', { paused: null }, 'go'],
  ['masters/<set> is junk', { registered: null, master: null }, 'unsafe', /not a host:port/],
  ['no sentinel registered', { sentinelsRegistered: 0 }, 'unsafe', /no sentinel/],
  ['a failover in progress', { consensus: agree(M, { failoverInProgress: true }) }, 'unsafe', /in progress/],
  ['the master does not answer', { master: null }, 'unsafe', /does not answer/],
  ["ZooKeeper's master is a replica now", { master: replicaState({ following: R1 }) }, 'unsafe', /is not a master/],
  ['the sentinels name another master', { consensus: agree(R1, { votes: 2 }) }, 'unsafe', /2\/3 sentinels name 10\.0\.0\.2:6379/],
  ['no majority of sentinels', { consensus: { master: null, votes: 1, voters: 3, failoverInProgress: false, configEpoch: 0 } }, 'unsafe', /no majority/],
  ['no synced replica', { master: masterState([false, false]) }, 'unsafe', /no synced replica/],
  ['--to the master itself', { target: M, targetState: masterState() }, 'unsafe', /is the master already/],
  ['--to a replica still syncing', { master: masterState([false, true]), target: R1, targetState: replicaState() }, 'unsafe', /not a synced replica/],
  ['--to a stranger', { target: addr('10.0.0.9:6379'), targetState: null }, 'unsafe', /not a synced replica/],
  ['--to a replica that does not answer', { target: R1, targetState: null }, 'unsafe', /does not answer/],
  ['--to a replica with its link down', { target: R1, targetState: replicaState({ linkUp: false }) }, 'unsafe', /with its link up/],
];
for (const [title, facts, expected, reason] of cases) {
  test(`decideSwitchover: ${title} -> ${expected}`, (t) => {
    const d = decideSwitchover({ ...base, ...facts });
    if (expected === 'go') return t.is(d.kind, 'go', JSON.stringify(d));
    t.is(d.kind, 'refuse');
    if (d.kind !== 'refuse') return;
    t.is(d.code, expected);
    if (reason) t.regex(d.reason, reason);
  });
}
