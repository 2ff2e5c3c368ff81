import { type Address, parseAddress, parseInfo, type RegisteredMaster, pairsToMap, withRedis } from '@redis-zk/core';
import type { FailoverRecord, ReplicaStatus, SetStatus } from './state';

const TIMEOUT_MS = 800;

interface MasterFacts { reachable: boolean; offset: number | null; keys: number | null }

async function masterFacts(master: Address | null, password: string | undefined): Promise<MasterFacts> {
  if (!master) return { reachable: false, offset: null, keys: null };
  try {
    return await withRedis(master, { password, timeoutMs: TIMEOUT_MS }, async (r) => {
      const [replication, keyspace] = await Promise.all([r.info('replication'), r.info('keyspace')]);
      const keys = [...parseInfo(keyspace).values()].reduce((n, v) => n + Number(/keys=(\d+)/.exec(v)?.[1] ?? 0), 0);
      return { reachable: true, offset: Number(parseInfo(replication).get('master_repl_offset') ?? NaN), keys };
    });
  } catch {
    return { reachable: false, offset: null, keys: null };
  }
}

/** The replicas as a sentinel sees them (it also knows the ones whose link is down). */
async function replicasFrom(sentinels: readonly Address[], name: string, masterOffset: number | null): Promise<ReplicaStatus[]> {
  for (const s of sentinels) {
    try {
      const reply = await withRedis(s, { timeoutMs: TIMEOUT_MS }, (r) => r.call('SENTINEL', 'REPLICAS', name)) as unknown[];
      return reply.map((entry) => {
        const m = pairsToMap(entry);
        const offset = m.has('slave-repl-offset') ? Number(m.get('slave-repl-offset')) : null;
        const down = (m.get('flags') ?? '').split(',').some((f) => f === 's_down' || f === 'disconnected');
        return {
          address: parseAddress(`${m.get('ip')}:${m.get('port')}`) ?? { host: String(m.get('ip')), port: Number(m.get('port')) },
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
    reachable: await withRedis(address, { timeoutMs: TIMEOUT_MS }, async (r) => (await r.ping()) === 'PONG').catch(() => false),
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
    const facts = await masterFacts(reg.address, o.password);
    out[name] = {
      master: reg.address,
      masterReachable: facts.reachable,
      replicas: await replicasFrom(reachable, name, facts.offset),
      keys: facts.keys,
      sentinels,
      lastFailover: o.lastFailover.get(name) ?? null,
    };
  }));
  return out;
}
