import { type Address, addressOf, pairsToMap, probeRedis, type RegisteredMaster, withSentinel } from '@redis-zk/core';
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
}): Promise<Record<string, SetStatus>> {
  const sentinels = await pingAll(o.sentinels);
  const reachable = sentinels.filter((s) => s.reachable).map((s) => s.address);
  const out: Record<string, SetStatus> = {};
  await Promise.all([...o.masters].map(async ([name, reg]) => {
    const probe = reg.address ? await probeRedis(reg.address, { password: o.password, timeoutMs: TIMEOUT_MS }) : null;
    const facts = probe?.reachable ? probe : null;
    out[name] = {
      master: reg.address,
      masterReachable: facts !== null,
      replicas: await replicasFrom(reachable, name, facts?.replOffset ?? null),
      keys: facts?.keys ?? null,
      sentinels,
      lastFailover: o.lastFailover.get(name) ?? null,
    };
  }));
  return out;
}
