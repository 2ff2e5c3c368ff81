import {
  type Address,
  type Directory,
  excludeFromPromotion,
  formatAddress,
  type HandoverClaim,
  type Logger,
  type Probe,
  probeRedis,
  recordedBy,
  askSentinels,
  sameAddress,
  type SentinelReplica,
  type SentinelView,
  sleep,
  withRedis,
} from '@redis-zk/core';

/** Which replica of a dead master the crash failover lets Sentinel promote, and what that takes. */
export interface SteerPlan {
  /** The freshest replica Sentinel may promote. */
  readonly keep: Address;
  /** keep's replica-priority is 0 because a switchover under way made it ineligible: this one (its claim's) is set first. */
  readonly givePriority: number | null;
  /** The other replicas of the dead master, made ineligible (replica-priority 0) until Sentinel has promoted keep. */
  readonly replicas: readonly Address[];
  readonly reason: string;
}

const DEFAULT_PRIORITY = 100;

/**
 * The replicas a sentinel may promote now, from its view (pure; sentinel.c's
 * sentinelSelectSlave): those it neither thinks down nor lost (a link down to the dead master
 * does not count against one) with a priority above 0; it takes the lowest priority, then the
 * highest offset as it last read them, then the smallest run id, which the view does not give:
 * so every replica tied at the top is returned. Empty when it knows none.
 */
export function sentinelPicks(view: SentinelView): Address[] {
  // Negative: `a` goes before `b` (sentinel.c's compareSlavesForPromotion, run ids left out).
  const order = (a: SentinelReplica, b: SentinelReplica) => a.priority - b.priority || (b.offset ?? 0) - (a.offset ?? 0);
  const candidates = promotable(view).sort(order);
  const best = candidates[0];
  return best ? candidates.filter((r) => order(r, best) === 0).map((r) => r.address) : [];
}

/** The replicas a sentinel's view lets it promote: neither down nor lost to it, priority above 0. */
const promotable = (view: SentinelView): SentinelReplica[] => (view.reachable ? (view.replicas ?? []).filter((r) => r.up && r.priority > 0) : []);

/** Whether a sentinel's view leaves it only `keep` to promote (the steered priorities read). */
export const steeredTo = (view: SentinelView, keep: Address): boolean => {
  const left = promotable(view);
  return left.length === 1 && sameAddress(left[0]!.address, keep);
};

/**
 * Sentinel picks the replica to promote by the offsets of its last INFO of each (up to a second
 * old while a master is down, 10 s otherwise), so right after a switchover or a burst of writes it
 * can pick one that misses writes `WAIT 1` confirmed on the other (nemesis seed 1472279534, twice:
 * 1 and then 21 writes lost). Once the master is dead the replicas' offsets no longer move: the
 * wrapper reads them and leaves Sentinel only the freshest one it may promote (the others at
 * priority 0, as a switchover to a chosen replica does). A replica at 0 only because a switchover
 * under way excluded it (its claim says so) counts with its claimed priority, and gets it back:
 * that switchover's master is dead. Null when there is no choice to make, or when every sentinel
 * that answers (`views`) would pick a replica holding all the freshest holds anyway: changing
 * priorities costs a wait for Sentinel's next INFO of each replica (SENTINEL_INFO_PERIOD_MS).
 */
export function planSteer(
  probes: readonly Probe[],
  deadMaster: Address,
  claims: readonly HandoverClaim[],
  views: readonly SentinelView[] = [],
): SteerPlan | null {
  const replicas = probes.filter((p): p is Extract<Probe, { reachable: true }> => p.reachable && p.role === 'replica' && sameAddress(p.following, deadMaster));
  if (replicas.length < 2) return null;
  const claimed = (a: Address) => Math.max(0, ...claims.flatMap((c) => c.excluded.filter((e) => sameAddress(e.address, a)).map((e) => e.priority)));
  const live = (p: (typeof replicas)[number]) => p.priority ?? DEFAULT_PRIORITY;
  const eligible = (p: (typeof replicas)[number]) => (live(p) > 0 ? live(p) : claimed(p.address));
  const byOffset = [...replicas].sort((a, b) => b.replOffset - a.replOffset);
  const keep = byOffset.find((p) => eligible(p) > 0);
  if (!keep) return null;
  const others = replicas.filter((p) => p !== keep && live(p) > 0);
  if (others.length === 0 && live(keep) > 0) return null;
  // Every sentinel that answers would pick a replica holding all keep holds: no need to wait for its view to change.
  const holdsAll = (a: Address) => replicas.some((p) => sameAddress(p.address, a) && p.replOffset >= keep.replOffset && p.replid === keep.replid);
  const picksFresh = (v: SentinelView) => {
    const picks = sentinelPicks(v);
    return picks.length > 0 && picks.every(holdsAll);
  };
  const reachable = views.filter((v) => v.reachable);
  if (live(keep) > 0 && reachable.length > 0 && reachable.every(picksFresh)) return null;
  const ahead = byOffset.filter((p) => p.replOffset > keep.replOffset).map((p) => `${formatAddress(p.address)} at ${p.replOffset}`);
  return {
    keep: keep.address,
    givePriority: live(keep) > 0 ? null : eligible(keep),
    replicas: replicas.map((p) => p.address),
    reason:
      `${formatAddress(keep.address)} is the freshest replica Sentinel may promote (offset ${keep.replOffset})` +
      (ahead.length > 0 ? `; further along but never to be promoted: ${ahead.join(', ')}` : '') +
      (live(keep) > 0 ? '' : `; its replica-priority ${eligible(keep)} is given back (a switchover under way had set it to 0)`),
  };
}

/** How long the crash failover waits for the sentinels to read the changed priorities (their INFO period, 1 s as shipped, and a margin). */
const STEER_WAIT_MS = 2500;

/**
 * Probes the dead master's replicas and, when Sentinel would otherwise pick one that misses
 * writes (planSteer), makes every one but the freshest ineligible, recorded as a switchover's
 * claim (so each replica's node loop gives its priority back if this process dies first), and
 * waits (bounded) until a sentinel has read it. Returns the sentinels to ask first and how to undo
 * it, to call once Sentinel has promoted; null when nothing was changed. Never throws.
 */
export async function steerFailover(i: {
  dir: Directory;
  name: string;
  self: Address;
  sentinels: readonly Address[];
  views: readonly SentinelView[];
  log: Logger;
}): Promise<{ ready: Address[]; restore(): Promise<void> } | null> {
  try {
    const nodes = (await i.dir.listNodes(i.name)).map((n) => n.address).filter((a) => !sameAddress(a, i.self));
    const [probes, claims] = await Promise.all([Promise.all(nodes.map((a) => probeRedis(a, { timeoutMs: 300 }))), i.dir.readHandoverClaims(i.name)]);
    const plan = planSteer(probes, i.self, claims, i.views);
    if (!plan) return null;
    i.log.info({ keep: formatAddress(plan.keep), reason: plan.reason }, 'leaving Sentinel only the freshest replica to promote');
    if (plan.givePriority !== null) {
      const priority = String(plan.givePriority);
      await withRedis(plan.keep, { timeoutMs: 300 }, (r) => r.call('CONFIG', 'SET', 'replica-priority', priority));
    }
    let claim: { close(): Promise<void> } | undefined;
    const exclusion = await excludeFromPromotion({
      name: i.name,
      sentinels: i.sentinels,
      masterReplicas: plan.replicas,
      keep: plan.keep,
      log: i.log,
      reason: plan.reason,
      record: async (excluded) => {
        claim = await i.dir.openHandover(i.name, { by: recordedBy('redis-wrapper', i.self), at: Date.now(), excluded });
      },
    });
    const since = Date.now();
    let ready: Address[] = [];
    while (ready.length === 0 && Date.now() - since < STEER_WAIT_MS) {
      const views = await askSentinels(i.sentinels, i.name, { withReplicas: true, timeoutMs: 300 });
      ready = views.filter((v) => v.reachable && v.monitors && sameAddress(v.master, i.self) && steeredTo(v, plan.keep)).map((v) => v.sentinel);
      if (ready.length === 0) await sleep(50);
    }
    i.log.info(
      {
        waitedMs: Date.now() - since,
        ready: ready.map(formatAddress),
        reason: ready.length > 0 ? 'a sentinel read the priorities' : `not read within ${STEER_WAIT_MS} ms`,
      },
      'asking Sentinel to fail over',
    );
    return {
      ready,
      restore: async () => {
        await exclusion.restore();
        await claim?.close();
      },
    };
  } catch (err) {
    i.log.warn({ err: String(err) }, 'could not steer Sentinel to the freshest replica; it picks by its own view');
    return null;
  }
}
