import { sleep } from '../packages/local-stack/src/harness';
import type { RunContext } from './context';
import type { Task } from './deployment';
import type { FaultRecord } from './faults';
import type { Fault } from './schedule';

type Partition = Extract<Fault, { kind: 'partition' }>;

/**
 * The agent a partition cuts, resolved when it fires (pure): the master's agent, or among the
 * other agents that hold a task (by id) the pick-th; undefined when there is none.
 */
export function partitionTarget(live: readonly Task[], master: Task | undefined, f: Pick<Partition, 'agent' | 'pick'>): string | undefined {
  if (f.agent === 'master') return master?.agent;
  const others = [...new Set(live.map((t) => t.agent).filter((a): a is string => a !== undefined && a !== master?.agent))].sort();
  return others[f.pick % Math.max(1, others.length)];
}

/**
 * An agent cut off the network (every packet to and from it dropped: its tasks run on, cut off
 * from ZooKeeper, the other agents and the clients) for `ms`, then healed. One at a time.
 */
export async function partition(ctx: RunContext, r: FaultRecord, f: Partition): Promise<void> {
  const agents = ctx.dep.agents;
  if (!agents) return r.skip('loopback mode has no agents');
  const cut = agents.cut();
  if (cut.length > 0) return r.skip(`${cut.join(', ')} already cut`);
  const live = (['redis', 'sentinel', 'watcher'] as const).flatMap((app) => ctx.tasksOf(app));
  const agent = partitionTarget(live, ctx.masterTask(), f);
  if (!agent) return r.skip(f.agent === 'master' ? 'no live master' : 'no other agent holds a task');
  r.start(live.filter((t) => t.agent === agent));
  ctx.note(`${agent} cut off for ${f.ms} ms`);
  agents.partition(agent);
  try {
    await sleep(f.ms);
  } finally {
    agents.heal(agent);
  }
  ctx.note(`${agent} healed`);
  r.end();
}
