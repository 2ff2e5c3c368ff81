import { type Address, addressOf, askSentinel, pairsToMap, probeRedis, type RegisteredMaster, withSentinel } from '@redis-zk/core';
import { findProblems } from './problems';
import type { FailoverRecord, ReplicaStatus, SetStatus } from './state';

const TIMEOUT_MS = 800;

/** The replicas as a sentinel sees them (it also knows the ones whose link is down). */
async function replicasFrom(sentinels: readonly Address[], name: string, masterOffset: number | null): Promise<ReplicaStatus[]> {
  for (const s of sentinels) {
    try {
      const reply = await withSentinel(s, { timeoutMs: TIMEOUT_MS }, (r) => r.call('SENTINEL', 'REPLICAS', name)) as unknown[];
      return reply.map((entry) => {
        const m = pairsToMap(entry);
        const offset = m.has('slave-repl-offset') ? Number(m.get('slave-repl-offset')) : null;
        const down = (m.get('flags') ?? '').split(',').some((f) => f === 's_down' || f === 'disconnected');
        return {
          address: addressOf(m.get('ip'), m.get('port')) ?? { host: String(m.get('ip')), port: Number(m.get('port')) },
          linkStatus: down ? 'down' : m.get('master-link-status') === 'ok' ? 'up' : 'down',
          offset,
          lag: offset !== null && masterOffset !== null && Number.isFinite(masterOffset) ? Math.max(0, masterOffset - offset) : null,
        };
      });
    } catch {
      // try the next sentinel
    }
  }
  return [];
}

async function pingAll(sentinels: readonly Address[]) {
  return Promise.all(sentinels.map(async (address) => ({
    address,
    reachable: await withSentinel(address, { timeoutMs: TIMEOUT_MS }, async (r) => (await r.ping()) === 'PONG').catch(() => false),
  })));
}

/** /status: gathered on request, every question bounded in time; never includes a password. */
export async function gatherStatus(o: {
  masters: ReadonlyMap<string, RegisteredMaster>;
  sentinels: readonly Address[];
  lastFailover: ReadonlyMap<string, FailoverRecord>;
  password: string | undefined;
  /** The set's registered nodes (empty when ZooKeeper does not answer). */
  nodes: (name: string) => Promise<readonly Address[]>;
  /** Since when the masters and sentinels given are as last read, ZooKeeper away; null while current. */
  staleSince: string | null;
}): Promise<Record<string, SetStatus>> {
  const sentinels = await pingAll(o.sentinels);
  const reachable = sentinels.filter((s) => s.reachable).map((s) => s.address);
  const out: Record<string, SetStatus> = {};
  await Promise.all([...o.masters].map(async ([name, reg]) => {
    const probe = reg.address ? await probeRedis(reg.address, { password: o.password, timeoutMs: TIMEOUT_MS }) : null;
    const facts = probe?.reachable ? probe : null;
    const [replicas, nodes, view] = await Promise.all([
      replicasFrom(reachable, name, facts?.replOffset ?? null),
      o.nodes(name).catch(() => [] as Address[]).then((a) => Promise.all(a.map((x) => probeRedis(x, { password: o.password, timeoutMs: TIMEOUT_MS })))),
      reachable[0] ? askSentinel(reachable[0], name, TIMEOUT_MS) : null,
    ]);
    out[name] = {
      master: reg.address,
      masterReachable: facts !== null,
      problems: findProblems({
        master: reg.address, masterProbe: probe, nodes,
        sentinelReplicas: reachable.length > 0 ? replicas.map((r) => r.address) : null,
        oDown: !!view?.reachable && view.flags.includes('o_down'),
        failoverInProgress: !!view?.reachable && view.failoverInProgress,
      }),
      replicas,
      keys: facts?.keys ?? null,
      sentinels,
      lastFailover: o.lastFailover.get(name) ?? null,
      stale: o.staleSince !== null,
      staleSince: o.staleSince,
    };
  }));
  return out;
}
