import { type Address, formatAddress, sameAddress } from '../address';
import { isLiveMaster, type Probe } from '../redis/probe';

export type ProblemKind = 'no-live-master' | 'failover-stuck' | 'orphaned-replica' | 'replica-unknown-to-sentinel';

export interface Problem {
  readonly kind: ProblemKind;
  readonly detail: string;
}

export interface SetFacts {
  /** ZooKeeper's master, and what it answers. */
  readonly master: Address | null;
  readonly masterProbe: Probe | null;
  /** Every registered node of the set, probed. */
  readonly nodes: readonly Probe[];
  /** The replicas a sentinel lists (null: no sentinel answered). */
  readonly sentinelReplicas: readonly Address[] | null;
  /** What the sentinels say of the set: down by quorum, and whether one is failing over. */
  readonly oDown: boolean;
  readonly failoverInProgress: boolean;
}

/**
 * What is wrong with a set, for /status and the metrics: no live master; Sentinel taking the
 * master for down by quorum yet failing nothing over (stuck: it aborts for want of a replica it
 * can promote; the replicas recover after 2 x failover-timeout); a live replica following
 * anything but the set's master (orphaned); a synced replica no sentinel knows (Sentinel could
 * not fail over to it).
 */
export function findProblems(f: SetFacts): Problem[] {
  const show = formatAddress;
  const out: Problem[] = [];
  const live = isLiveMaster(f.masterProbe ?? undefined);
  if (!live) {
    out.push({ kind: 'no-live-master', detail: f.master ? `ZooKeeper's ${show(f.master)} does not answer as master` : 'ZooKeeper names no master' });
    if (f.oDown && !f.failoverInProgress) out.push({ kind: 'failover-stuck', detail: 'the sentinels take the master for down but none is failing over' });
  }
  for (const n of f.nodes) {
    if (!n.reachable || n.role !== 'replica' || sameAddress(n.address, f.master)) continue;
    if (live && !sameAddress(n.following, f.master)) {
      out.push({
        kind: 'orphaned-replica',
        detail: `${show(n.address)} follows ${n.following ? show(n.following) : 'nothing'}, not the master ${show(f.master!)}`,
      });
    } else if (live && n.linkUp && f.sentinelReplicas && !f.sentinelReplicas.some((r) => sameAddress(r, n.address))) {
      out.push({ kind: 'replica-unknown-to-sentinel', detail: `${show(n.address)} is a synced replica no sentinel lists yet` });
    }
  }
  return out;
}
