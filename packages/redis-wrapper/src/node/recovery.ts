import {
  type Address,
  askSentinels,
  type Directory,
  formatAddress,
  lastKnownOffset,
  latestHistory,
  offsetGap,
  tagsAt,
  type Logger,
  type NodeTags,
  type Probe,
  probeRedis,
  readReplication,
  type RedisPool,
  sleep,
  withRedis,
  recordMasterChange,
  recordedBy,
} from '@redis-zk/core';
import { decideRecovery } from './recovery-decide';

export interface RecoveryInputs {
  dir: Directory;
  name: string;
  /** This node as announced, and where its redis-server listens. */
  self: Address;
  local: Address;
  pool: RedisPool;
  log: Logger;
  /** This node's failover tags (NEVER_PROMOTE, FAILOVER_PRIORITY). */
  tags: NodeTags;
  /** RPO guard (FAILOVER_MAX_LAG_BYTES; 0: none). */
  maxLagBytes: number;
}

const LOCK_WAIT_MS = 5000;

/**
 * Sentinel is stuck (no master for long while live replicas hold the data): under the set's
 * lock, probe every node anyone mentions and promote this one if it holds the longest history.
 * The master is written to ZooKeeper before the lock goes, so the next contender follows it; the
 * other replicas re-point to it on their next tick, and the sentinel-wrappers re-point their
 * sentinels to it (ZooKeeper names a live master, the monitored one is dead). A live master no one
 * names (an orphan) is named in ZooKeeper the same way. Returns whether the set got a master.
 */
export async function recover(inputs: RecoveryInputs, why: string, masterlessForMs = 0): Promise<boolean> {
  const log = inputs.log.child({ step: 'recovery' });
  const lock = inputs.dir.electionLock(inputs.name, log, JSON.stringify({ address: formatAddress(inputs.self), dataBytes: 0, recovery: true }));
  await lock.acquire(LOCK_WAIT_MS);
  try {
    const [{ nodes, sentinels, members: records, master: registered }, paused] = await Promise.all([
      inputs.dir.readSet(inputs.name, { nodes: true, members: true }),
      inputs.dir.readPause(inputs.name),
    ]);
    const views = await askSentinels(
      sentinels.map((s) => s.address),
      inputs.name,
      { pool: inputs.pool, withReplicas: true },
    );
    const probes = new Map<string, Probe>();
    const probeAll = async (addresses: Array<Address | null | undefined>) => {
      const fresh = addresses.filter((a): a is Address => !!a && !probes.has(formatAddress(a)));
      for (const p of await Promise.all(fresh.map((a) => probeRedis(a, { timeoutMs: 1000 })))) probes.set(formatAddress(p.address), p);
    };
    await probeAll([
      ...nodes.map((n) => n.address),
      ...views.flatMap((v) => (v.reachable ? [v.master, v.current, ...(v.replicas ?? []).map((r) => r.address)] : [])),
      registered?.address,
    ]);
    await probeAll([...probes.values()].map((p) => (p.reachable ? p.following : null)));
    // This node is probed where it listens, but ranked as the others know it.
    const own = await probeRedis(inputs.local, { timeoutMs: 1000 });
    probes.set(formatAddress(inputs.self), { ...own, address: inputs.self });

    const latest = latestHistory(records, registered?.address ?? null);
    const lastMasterOffset = lastKnownOffset(records, latest);
    // Every probed node's tags as its newest record publishes them; this node's own are its environment's.
    const tags = new Map([...probes.values()].map((p) => [formatAddress(p.address), tagsAt(records, p.address)]));
    tags.set(formatAddress(inputs.self), inputs.tags);
    const decision = decideRecovery({
      self: inputs.self,
      probes,
      sentinels: views,
      latest,
      paused,
      registered: registered?.address ?? null,
      tags,
      maxLagBytes: inputs.maxLagBytes,
      lastMasterOffset,
    });
    log.info({ decision: decision.kind, reason: decision.reason, trigger: why }, 'recovery decided');
    if (decision.kind === 'stand-by') return false;
    // Sentinel may have started a failover while this node probed (after the stuck time it
    // retries on its own): two promotions at once would make two masters. Asked again last thing.
    const now = await askSentinels(
      sentinels.map((s) => s.address),
      inputs.name,
      { pool: inputs.pool, timeoutMs: 500 },
    );
    const failingOver = now.find((v) => v.reachable && v.monitors && v.failoverInProgress);
    if (failingOver) {
      log.info({ sentinel: formatAddress(failingOver.sentinel), reason: 'Sentinel started a failover while the recovery decided' }, 'recovery called off');
      return false;
    }
    if (decision.kind === 'register') {
      await nameMaster(inputs, decision.master, registered?.address ?? null, `${why}; ${decision.reason}`, { durationMs: masterlessForMs });
      log.info({ master: formatAddress(decision.master), reason: decision.reason }, 'recovered the set: ZooKeeper names its orphaned master');
      return true;
    }

    const started = Date.now();
    await withRedis(inputs.local, { pool: inputs.pool }, (r) => r.call('REPLICAOF', 'NO', 'ONE'));
    for (let n = 0; (await readReplication(inputs.local, { pool: inputs.pool })).role !== 'master'; n += 1) {
      if (n > 50) throw new Error('redis-server did not become master after REPLICAOF NO ONE');
      await sleep(100);
    }
    await nameMaster(inputs, inputs.self, registered?.address ?? null, `${why}; ${decision.reason}`, {
      durationMs: masterlessForMs + (Date.now() - started),
      ...offsetGap(lastMasterOffset ?? undefined, own.reachable ? own.replOffset : undefined),
    });
    log.info({ master: formatAddress(inputs.self), reason: decision.reason }, 'recovered the set: this node is its master');
    return true;
  } finally {
    await lock.release().catch(() => undefined);
  }
}

/**
 * ZooKeeper names `master` (epoch 0, as an election: the sentinels' next failover always wins
 * over it), and the history records the recovery with what it measured (the set masterless).
 */
async function nameMaster(
  inputs: RecoveryInputs,
  master: Address,
  from: Address | null,
  reason: string,
  measured: { durationMs: number; lastOffset?: number; promotedOffset?: number; offsetGapBytes?: number },
): Promise<void> {
  await inputs.dir.writeMaster(inputs.name, master, { epoch: 0 });
  const change = { from, to: master, cause: 'recovery' as const, epoch: 0, outageBasis: 'masterless-to-promotion' as const, ...measured };
  await recordMasterChange(inputs.dir, inputs.name, { ...change, by: recordedBy('redis-wrapper', inputs.self), reason }, inputs.log);
}
