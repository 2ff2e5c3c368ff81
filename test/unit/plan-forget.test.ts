import test from 'ava';
import { type ForgetSnapshot, type PeerSetView, planForget, votesNeeded, withoutKnownSentinels } from '../../packages/sentinel-wrapper/src/plan-forget';

const at = (port: number) => ({ host: '10.0.0.1', port });
const live = [at(1), at(2)];
const dead = [at(11), at(12), at(13)];
const set = (o: Partial<PeerSetView> = {}): PeerSetView => ({
  name: 'mymaster',
  quorum: 2,
  failoverInProgress: false,
  peers: [...live.map((address) => ({ address, down: false })), ...dead.map((address) => ({ address, down: true }))],
  ...o,
});
const snapshot = (o: Partial<ForgetSnapshot> = {}): ForgetSnapshot => ({
  sets: [set()],
  registered: [at(0), ...live],
  goneSince: new Map(dead.map((a) => [`${a.host}:${a.port}`, 0])),
  now: 60_000,
  graceMs: 30_000,
  ...o,
});

test('votesNeeded: a majority of the known sentinels, never below the quorum', (t) => {
  t.is(votesNeeded(3, 2), 2);
  t.is(votesNeeded(6, 2), 4);
  t.is(votesNeeded(1, 2), 2);
  t.is(votesNeeded(5, 4), 4);
});

const cases: Array<[string, Partial<ForgetSnapshot>, 'forget' | 'keep', number?]> = [
  ['3 live of 6 known, 3 dead past the grace: forget the 3', {}, 'forget', 3],
  ['ZooKeeper unreadable: keep', { registered: null }, 'keep'],
  ['a failover in progress: keep', { sets: [set({ failoverInProgress: true })] }, 'keep'],
  ['the dead missing for less than the grace: keep', { now: 20_000 }, 'keep'],
  ['the dead never seen missing (no entry): keep', { goneSince: new Map() }, 'keep'],
  ['a dead peer still registered is not dead', { registered: [at(0), ...live, ...dead] }, 'keep'],
  [
    '2 dead of 5 known (a failover still possible): forget them too, before a live one stops voting',
    { sets: [set({ peers: [...live.map((address) => ({ address, down: false })), ...dead.slice(0, 2).map((address) => ({ address, down: true }))] })] },
    'forget',
    2,
  ],
  [
    'unregistered but not down (it still answers this Sentinel): keep',
    { sets: [set({ peers: [...live.map((address) => ({ address, down: false })), ...dead.map((address) => ({ address, down: false }))] })] },
    'keep',
  ],
  [
    'a minority side (1 live of 3, the other 2 cut off and unregistered): forgotten, and still no failover alone (a leader needs quorum 2)',
    {
      sets: [set({ peers: live.map((address) => ({ address, down: true })) })],
      registered: [at(0)],
      goneSince: new Map(live.map((a) => [`${a.host}:${a.port}`, 0])),
    },
    'forget',
    2,
  ],
  ['quorum 1: nothing forgotten (the quorum is what keeps a minority from failing over)', { sets: [set({ quorum: 1 })] }, 'keep'],
];
for (const [title, o, kind, n] of cases) {
  test(`planForget: ${title}`, (t) => {
    const d = planForget(snapshot(o));
    t.is(d.kind, kind, d.reason);
    if (d.kind === 'forget') t.is(d.peers.length, n!);
  });
}

test("withoutKnownSentinels: only the given peers' known-sentinel lines go", (t) => {
  const config = [
    'sentinel myid abc',
    'sentinel known-replica mymaster 10.0.0.1 6379',
    'sentinel known-sentinel mymaster 10.0.0.1 11 runid1',
    'sentinel known-sentinel other 10.0.0.1 11 runid1',
    'sentinel known-sentinel mymaster 10.0.0.1 2 runid2',
    'sentinel known-sentinel mymaster 10.0.0.1 111 runid3',
    'sentinel current-epoch 4',
  ].join('\n');
  t.is(
    withoutKnownSentinels(config, [at(11)]),
    [
      'sentinel myid abc',
      'sentinel known-replica mymaster 10.0.0.1 6379',
      'sentinel known-sentinel mymaster 10.0.0.1 2 runid2',
      'sentinel known-sentinel mymaster 10.0.0.1 111 runid3',
      'sentinel current-epoch 4',
    ].join('\n'),
  );
});
