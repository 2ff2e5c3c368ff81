import test from 'ava';
import { type DrainFacts, decideDrain, onHost } from '../../packages/cli/src/decide-drain';
import { addr, replicationOf } from '../helpers/fixtures';

// Agent drain (#29 point 2): which replica each set's master moves to, or why it stays.

const M = addr('10.0.0.1:6379'); // on agent-1
const R1 = addr('10.0.0.2:6379'); // on agent-2
const R2 = addr('10.0.0.3:6379'); // on agent-3
const R3 = addr('10.0.0.4:6379'); // on agent-1 too
const node = (address: typeof M, agent: string, tags = { neverPromote: false, priority: 100 }) => ({ address, agent, tags });
const nodes = [node(R1, 'agent-2'), node(R2, 'agent-3'), node(R3, 'agent-1')];
const state = (replicas: Array<[typeof M, number, boolean?]>) =>
  replicationOf({ role: 'master', offset: 1000, replicas: replicas.map(([address, offset, online]) => ({ address, offset, online: online ?? true })) });
const base: DrainFacts = {
  set: 'cache',
  host: 'agent-1',
  master: node(M, 'agent-1'),
  state: state([
    [R1, 990],
    [R2, 1000],
    [R3, 1000],
  ]),
  nodes,
  paused: null,
};

const cases: Array<{ title: string; facts: Partial<DrainFacts>; kind: 'move' | 'skip'; target?: typeof M; onAgent?: boolean; reason?: RegExp }> = [
  { title: 'the master on the agent: to the furthest-along replica off it', facts: {}, kind: 'move', target: R2 },
  { title: 'named by address instead of agent label', facts: { host: '10.0.0.1' }, kind: 'move', target: R2 },
  { title: 'the agent named in other case', facts: { host: 'AGENT-1' }, kind: 'move', target: R2 },
  { title: 'the master on another agent: nothing to do', facts: { host: 'agent-9' }, kind: 'skip', onAgent: false, reason: /is not on agent-9/ },
  { title: 'no master in ZooKeeper', facts: { master: null }, kind: 'skip', onAgent: false },
  {
    title: 'paused: stays, resume first',
    facts: { paused: { by: 'ops', at: 0, reason: '' } },
    kind: 'skip',
    onAgent: true,
    reason: /paused .* resume it first/,
  },
  { title: 'the master does not answer', facts: { state: null }, kind: 'skip', onAgent: true },
  {
    title: 'a lower FAILOVER_PRIORITY goes first, though behind',
    facts: { nodes: [node(R1, 'agent-2', { neverPromote: false, priority: 10 }), node(R2, 'agent-3'), node(R3, 'agent-1')] },
    kind: 'move',
    target: R1,
  },
  {
    title: 'never-promote replicas are not targets',
    facts: { nodes: [node(R1, 'agent-2'), node(R2, 'agent-3', { neverPromote: true, priority: 100 }), node(R3, 'agent-1')] },
    kind: 'move',
    target: R1,
  },
  {
    title: 'a replica still syncing is not a target',
    facts: {
      state: state([
        [R1, 990],
        [R2, 1000, false],
      ]),
    },
    kind: 'move',
    target: R1,
  },
  {
    title: 'the only online replica is on the same agent: stays',
    facts: { state: state([[R3, 1000]]) },
    kind: 'skip',
    onAgent: true,
    reason: /no online replica off agent-1/,
  },
  {
    title: 'a replica without a member record (older version) counts by its address',
    facts: { nodes: [], state: state([[R1, 990]]) },
    kind: 'move',
    target: R1,
  },
];
for (const c of cases) {
  test(`decideDrain: ${c.title}`, (t) => {
    const d = decideDrain({ ...base, ...c.facts });
    t.is(d.kind, c.kind, d.reason);
    if (d.kind === 'move' && c.target) t.deepEqual(d.target, c.target);
    if (d.kind === 'skip' && c.onAgent !== undefined) t.is(d.onAgent, c.onAgent);
    if (c.reason) t.regex(d.reason, c.reason);
  });
}

test('onHost: by agent label or by announced host, nothing else', (t) => {
  t.true(onHost(node(M, 'agent-1'), 'agent-1'));
  t.true(onHost({ address: M, tags: { neverPromote: false, priority: 100 } }, '10.0.0.1'));
  t.false(onHost(node(M, 'agent-1'), 'agent-10'));
  t.false(onHost(node(M, 'agent-1'), '10.0.0.10'));
});
