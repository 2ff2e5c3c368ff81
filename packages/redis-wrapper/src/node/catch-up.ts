import { type Address, type Directory, formatAddress, type Logger, type Probe, probeRedis, sameAddress, sleep, withRedis } from '@redis-zk/core';

/** The replicas of a dead master to bring level before Sentinel picks one: the freshest, and those behind it. */
export interface CatchUpPlan {
  readonly source: Address;
  readonly offset: number;
  readonly behind: readonly Address[];
  readonly reason: string;
}

/**
 * Sentinel picks the replica to promote by the offsets of its last INFO of each, up to 10 s old:
 * right after a switchover it can pick one a write acknowledged by `WAIT 1` never reached (nemesis
 * seed 1472279534: the master killed 60 ms after it was promoted; Sentinel promoted the replica at
 * offset 33688, the other held 33798, and the write was lost in its resync). Replicas of the dead
 * master on its last history and behind the freshest one are re-pointed to it first (a partial
 * resync: same history), so whichever Sentinel picks holds every write any replica acknowledged.
 * Null when none is behind.
 */
export function planCatchUp(probes: readonly Probe[], deadMaster: Address): CatchUpPlan | null {
  const replicas = probes.filter((p): p is Extract<Probe, { reachable: true }> => p.reachable && p.role === 'replica' && sameAddress(p.following, deadMaster));
  const freshest = [...replicas].sort((a, b) => b.replOffset - a.replOffset)[0];
  if (!freshest) return null;
  const behind = replicas.filter((p) => p.replid === freshest.replid && p.replOffset < freshest.replOffset);
  if (behind.length === 0) return null;
  return {
    source: freshest.address,
    offset: freshest.replOffset,
    behind: behind.map((p) => p.address),
    reason: `${formatAddress(freshest.address)} is at offset ${freshest.replOffset}; ${behind.map((p) => `${formatAddress(p.address)} at ${p.replOffset}`).join(', ')} behind`,
  };
}

/** How long the catch-up may hold the crash failover back. */
const CATCH_UP_MS = 1000;

/** Brings the dead master's replicas level with the freshest (planCatchUp), bounded; never throws. */
export async function catchUpReplicas(i: { dir: Directory; name: string; self: Address; log: Logger }): Promise<void> {
  const until = Date.now() + CATCH_UP_MS;
  try {
    const nodes = (await i.dir.listNodes(i.name)).map((n) => n.address).filter((a) => !sameAddress(a, i.self));
    const plan = planCatchUp(await Promise.all(nodes.map((a) => probeRedis(a, { timeoutMs: 300 }))), i.self);
    if (!plan) return;
    i.log.info({ source: formatAddress(plan.source), reason: plan.reason }, 'bringing the replicas level before the failover');
    await Promise.all(
      plan.behind.map(async (a) => {
        await withRedis(a, { timeoutMs: 300 }, (r) => r.call('REPLICAOF', plan.source.host, String(plan.source.port)));
        while (Date.now() < until) {
          const p = await probeRedis(a, { timeoutMs: 300 });
          if (p.reachable && p.replOffset >= plan.offset) return;
          await sleep(10);
        }
        i.log.warn({ replica: formatAddress(a), reason: `not at offset ${plan.offset} within ${CATCH_UP_MS} ms` }, 'replica not level; failing over anyway');
      }),
    );
  } catch (err) {
    i.log.warn({ err: String(err) }, 'could not bring the replicas level; failing over anyway');
  }
}
