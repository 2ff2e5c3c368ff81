import { type Address, formatAddress, readReplication, type StoredMemberRecord, sameAddress, tagsOf } from '@redis-zk/core';
import type { CliContext } from '../context';
import { type DrainFacts, type DrainNode, decideDrain } from '../decide-drain';
import { table } from '../format';
import { switchSet } from './switchover';

/** What happened to one set. */
export interface DrainRow {
  readonly set: string;
  readonly outcome: 'moved' | 'skipped' | 'failed';
  readonly from: string | null;
  readonly to: string | null;
  readonly detail: string;
  /** The set's master is still on the agent. */
  readonly left: boolean;
}

/** The newest record at each address: where each node runs and its tags. */
function nodesOf(records: readonly StoredMemberRecord[]): DrainNode[] {
  const newest = new Map<string, StoredMemberRecord>();
  for (const r of records) {
    const k = formatAddress(r.address);
    const had = newest.get(k);
    if (!had || had.mzxid < r.mzxid) newest.set(k, r);
  }
  return [...newest.values()].map((r) => ({ address: r.address, agent: r.agent, tags: tagsOf(r) }));
}

async function factsOf(ctx: CliContext, set: string, host: string): Promise<DrainFacts> {
  const [reg, paused, records] = await Promise.all([ctx.dir.readMaster(set), ctx.dir.readPause(set), ctx.dir.readMemberRecords(set).catch(() => [])]);
  const nodes = nodesOf(records);
  const master: Address | null = reg?.address ?? null;
  const state = master ? await readReplication(master, { timeoutMs: 1000 }).catch(() => null) : null;
  const masterNode = master ? (nodes.find((n) => sameAddress(n.address, master)) ?? { address: master, tags: tagsOf(undefined) }) : null;
  return { set, host, master: masterNode, state, nodes, paused };
}

/** One set: decide (decideDrain), then the planned switchover's own path (switchSet) to the chosen replica. */
async function drainSet(ctx: CliContext, set: string, host: string, timeoutMs: number): Promise<DrainRow> {
  const facts = await factsOf(ctx, set, host);
  const d = decideDrain(facts);
  const from = facts.master ? formatAddress(facts.master.address) : null;
  ctx.log.info({ set, host, decision: d.kind, reason: d.reason }, 'drain decided');
  if (d.kind === 'skip') return { set, outcome: 'skipped', from, to: null, detail: d.reason, left: d.onAgent };
  const r = await switchSet(ctx, set, { to: d.target, timeoutMs, why: `drain of agent ${host}` });
  if (r.kind === 'done') {
    return {
      set,
      outcome: 'moved',
      from,
      to: formatAddress(r.to),
      detail: `writes paused ${r.pausedMs} ms, ${r.tookMs} ms in all (epoch ${r.epoch})`,
      left: false,
    };
  }
  return { set, outcome: 'failed', from, to: formatAddress(d.target), detail: r.reason, left: true };
}

/**
 * `redis-zk drain <agent host>`: every set whose master runs on the agent gets a planned
 * switchover to a replica off it, one set at a time (each with the switchover's guarantees: no
 * acknowledged write lost). Reports every set; fails (exit 1) when a master stays on the agent.
 */
export async function drainCommand(ctx: CliContext, host: string, o: { timeoutMs: number; json: boolean }): Promise<{ text: string; exitCode: number }> {
  const sets = (await ctx.dir.listMasterNames()).sort();
  const rows: DrainRow[] = [];
  for (const set of sets) rows.push(await drainSet(ctx, set, host, o.timeoutMs));
  const left = rows.filter((r) => r.left);
  const exitCode = left.length > 0 ? 1 : 0;
  if (o.json) return { text: JSON.stringify({ host, sets: rows }, null, 2), exitCode };
  const summary =
    left.length > 0
      ? `${host}: ${left.length} master(s) still on it (${left.map((r) => r.set).join(', ')})`
      : `${host}: no master on it (${rows.filter((r) => r.outcome === 'moved').length} moved)`;
  const lines = table([['SET', 'OUTCOME', 'FROM', 'TO', 'DETAIL'], ...rows.map((r) => [r.set, r.outcome, r.from ?? '-', r.to ?? '-', r.detail])]);
  return { text: rows.length === 0 ? `no replica set in ZooKeeper; ${summary}` : `${lines}\n\n${summary}`, exitCode };
}
