import { type Address, addressOf, sameAddress } from '../address';
import type { HistoryEvent } from '../members/history';
import type { StoredMemberRecord } from '../members/record';
import { type NodeTags, tagsOf } from '../members/tags';
import { withSentinel } from '../redis/connect';
import { type Probe, probeRedis } from '../redis/probe';
import type { RedisPool } from '../redis/pool';
import { readReplication, type ReplicationState } from '../redis/replication';
import { pairsToMap, askSentinels } from '../sentinel/query';
import type { RegisteredMaster } from '../zk/directory';
import { findProblems } from './problems';
import type { PauseRecord } from '../pause/record';
import { type FailoverRecord, pausedStatus, type ReplicaStatus, type SentinelStatus, type SetStatus } from './types';

const TIMEOUT_MS = 800;
/** How many of the last changes /status (and `redis-zk status`) show per set. */
export const RECENT_CHANGES = 5;

/** The replicas as a sentinel sees them (it also knows the ones whose link is down). */
async function replicasFrom(
  sentinels: readonly Address[],
  name: string,
  master: ReplicationState | null,
  probes: readonly Probe[],
  pool: RedisPool | undefined,
): Promise<ReplicaStatus[]> {
  const masterOffset = master?.offset ?? null;
  for (const s of sentinels) {
    try {
      const reply = (await withSentinel(s, { timeoutMs: TIMEOUT_MS, pool }, (r) => r.call('SENTINEL', 'REPLICAS', name))) as unknown[];
      return reply.map((entry) => {
        const m = pairsToMap(entry);
        const address = addressOf(m.get('ip'), m.get('port')) ?? { host: String(m.get('ip')), port: Number(m.get('port')) };
        const probe = probes.find((p) => sameAddress(p.address, address));
        // Fresher than Sentinel's (it reads a replica once per INFO period): the master's own list
        // (acked every second), the node itself when it is registered.
        const line = master?.replicas.find((r) => sameAddress(r.address, address));
        const offset = line ? line.offset : m.has('slave-repl-offset') ? Number(m.get('slave-repl-offset')) : null;
        const down = (m.get('flags') ?? '').split(',').some((f) => f === 's_down' || f === 'disconnected');
        const linkUp = probe?.reachable ? probe.role === 'replica' && probe.linkUp : line ? line.online : !down && m.get('master-link-status') === 'ok';
        return {
          address,
          role: probe ? (probe.reachable ? probe.role : 'unknown') : down ? 'unknown' : 'replica',
          linkStatus: linkUp ? 'up' : 'down',
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

async function pingAll(sentinels: readonly Address[], pool: RedisPool | undefined) {
  return Promise.all(
    sentinels.map(async (address) => ({
      address,
      reachable: await withSentinel(address, { timeoutMs: TIMEOUT_MS, pool }, async (r) => (await r.ping()) === 'PONG').catch(() => false),
    })),
  );
}

/** The last change of master that was not an election (a failover, a switchover, a recovery), from the history. */
export function lastFailoverOf(history: readonly HistoryEvent[]): FailoverRecord | null {
  const last = [...history].reverse().find((e) => e.cause !== 'election' && e.cause !== 'fence');
  const to = last ? addressOf(...splitHostPort(last.to)) : null;
  if (!last || !to) return null;
  const from = last.from ? addressOf(...splitHostPort(last.from)) : null;
  return {
    at: new Date(last.at).toISOString(),
    from,
    to,
    cause: last.cause,
    ...(last.durationMs !== undefined ? { durationMs: last.durationMs } : {}),
    ...(last.outageBasis !== undefined ? { outageBasis: last.outageBasis } : {}),
    ...(last.offsetGapBytes !== undefined ? { offsetGapBytes: last.offsetGapBytes } : {}),
  };
}

function splitHostPort(text: string): [string, string] {
  const i = text.lastIndexOf(':');
  return [text.slice(0, i).replace(/^\[|\]$/g, ''), text.slice(i + 1)];
}

/**
 * Every set's status (the watcher's /status, `redis-zk status`): gathered on request from the
 * sentinels, the registered nodes and ZooKeeper, every question bounded in time; never includes a
 * password.
 */
export async function gatherStatus(o: {
  masters: ReadonlyMap<string, RegisteredMaster>;
  sentinels: readonly Address[];
  /** Changes the caller saw itself (the watcher), used when the history says nothing. */
  lastFailover?: ReadonlyMap<string, FailoverRecord>;
  /** The set's registered nodes (empty when ZooKeeper does not answer). */
  nodes: (name: string) => Promise<readonly Address[]>;
  /** The set's history, oldest first (empty when ZooKeeper does not answer). */
  history: (name: string) => Promise<readonly HistoryEvent[]>;
  /** Since when the masters and sentinels given are as last read, ZooKeeper away; null (or absent) while current. */
  staleSince?: string | null;
  /** The set's member records, for the task and agent of each node (optional). */
  records?: (name: string) => Promise<readonly StoredMemberRecord[]>;
  /** The set's pause (maintenance mode), null when not paused (optional). */
  pause?: (name: string) => Promise<PauseRecord | null>;
  /**
   * Ask every server over its long-lived connection (a long-running caller, the watcher: with
   * 100 sets a gathering would otherwise open and close some 700 connections), each question
   * then bounded by the pool's timeout; absent, each opens its own (the CLI, run once).
   */
  pool?: RedisPool;
}): Promise<Record<string, SetStatus>> {
  const { pool } = o;
  const pinged = await pingAll(o.sentinels, pool);
  const reachable = pinged.filter((s) => s.reachable).map((s) => s.address);
  const out: Record<string, SetStatus> = {};
  await Promise.all(
    [...o.masters].map(async ([name, reg]) => {
      const [probe, replication] = reg.address
        ? await Promise.all([
            probeRedis(reg.address, { timeoutMs: TIMEOUT_MS, pool }),
            readReplication(reg.address, { timeoutMs: TIMEOUT_MS, pool }).catch(() => null),
          ])
        : [null, null];
      const facts = probe?.reachable ? probe : null;
      const [nodes, views, history, records, pause] = await Promise.all([
        o
          .nodes(name)
          .catch(() => [] as Address[])
          .then((a) => Promise.all(a.map((x) => probeRedis(x, { timeoutMs: TIMEOUT_MS, pool })))),
        askSentinels(reachable, name, { timeoutMs: TIMEOUT_MS, pool }),
        o.history(name).catch(() => [] as HistoryEvent[]),
        (o.records?.(name) ?? Promise.resolve([])).catch(() => [] as StoredMemberRecord[]),
        (o.pause?.(name) ?? Promise.resolve(null)).catch(() => null),
      ]);
      const where = taskOf(records);
      const replicas = (await replicasFrom(reachable, name, facts && replication?.role === 'master' ? replication : null, nodes, pool)).map((r) => ({
        ...r,
        ...where(r.address),
      }));
      const masterWhere = reg.address ? where(reg.address) : {};
      const monitoring = views.flatMap((v) => (v.reachable && v.monitors ? [v] : []));
      const sentinels: SentinelStatus[] = pinged.map((s) => {
        const v = monitoring.find((m) => sameAddress(m.sentinel, s.address));
        return { address: s.address, reachable: s.reachable, names: v ? v.master : null };
      });
      out[name] = {
        master: reg.address,
        masterReachable: facts !== null,
        ...(masterWhere.task ? { masterTask: masterWhere.task } : {}),
        ...(masterWhere.agent ? { masterAgent: masterWhere.agent } : {}),
        ...(masterWhere.tags ? { masterTags: masterWhere.tags } : {}),
        problems: findProblems({
          master: reg.address,
          masterProbe: probe,
          nodes,
          sentinelReplicas: reachable.length > 0 ? replicas.map((r) => r.address) : null,
          oDown: monitoring.some((v) => v.flags.includes('o_down')),
          failoverInProgress: monitoring.some((v) => v.failoverInProgress),
        }),
        replicas,
        keys: facts?.keys ?? null,
        sentinels,
        sentinelsAgreeing: monitoring.filter((v) => sameAddress(v.master, reg.address)).length,
        sentinelQuorum: monitoring[0]?.quorum ?? null,
        failoverInProgress: monitoring.some((v) => v.failoverInProgress),
        lastFailover: lastFailoverOf(history) ?? o.lastFailover?.get(name) ?? null,
        recentChanges: history.slice(-RECENT_CHANGES),
        paused: pause ? pausedStatus(pause, Date.now()) : null,
        stale: (o.staleSince ?? null) !== null,
        staleSince: o.staleSince ?? null,
      };
    }),
  );
  return out;
}

/** The task, agent and failover tags of the newest member record at an address. */
function taskOf(records: readonly StoredMemberRecord[]) {
  return (a: Address): { task?: string; agent?: string; tags?: NodeTags } => {
    const r = records.filter((x) => sameAddress(x.address, a)).sort((x, y) => (x.mzxid < y.mzxid ? 1 : -1))[0];
    return { ...(r?.task ? { task: r.task } : {}), ...(r?.agent ? { agent: r.agent } : {}), ...(r ? { tags: tagsOf(r) } : {}) };
  };
}
