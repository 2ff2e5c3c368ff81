import { type Address, formatAddress, PAUSED_QUORUM, type SentinelView } from '@redis-zk/core';

export interface QuorumReport {
  /** Every sentinel that answers and monitors the set holds the quorum wanted. */
  readonly done: boolean;
  /** Monitoring sentinels that answer with another quorum. */
  readonly pending: readonly Address[];
  readonly unreachable: readonly Address[];
  /** One line for the operator. */
  readonly summary: string;
}

/**
 * Whether the sentinels have taken a pause (`paused`: each holds PAUSED_QUORUM) or a resume (each
 * holds a quorum below it again, its SENTINEL_QUORUM) into account (pure). A sentinel that does not
 * monitor the set has no say; one out of reach is named (its sentinel-wrapper sets the quorum when
 * it runs again: it reads the pause from ZooKeeper), but does not hold the command up.
 *
 * | sentinel                           | paused: counts as         | resumed: counts as        |
 * |------------------------------------|---------------------------|---------------------------|
 * | quorum PAUSED_QUORUM               | done                      | pending                   |
 * | quorum below                       | pending                   | done                      |
 * | does not monitor the set           | not counted               | not counted               |
 * | out of reach                       | unreachable (named)       | unreachable (named)       |
 */
export function quorumReport(views: readonly SentinelView[], paused: boolean): QuorumReport {
  const monitoring = views.filter((v): v is Extract<SentinelView, { reachable: true }> => v.reachable && v.monitors);
  const holds = (v: (typeof monitoring)[number]) => (paused ? v.quorum === PAUSED_QUORUM : (v.quorum ?? 0) < PAUSED_QUORUM);
  const done = monitoring.filter(holds);
  const pending = monitoring.filter((v) => !holds(v)).map((v) => v.sentinel);
  const unreachable = views.filter((v) => !v.reachable).map((v) => v.sentinel);
  const list = (a: readonly Address[]) => a.map(formatAddress).join(', ');
  const what = paused ? `quorum ${PAUSED_QUORUM} (no failover by Sentinel)` : 'their own quorum (SENTINEL_QUORUM) again';
  const parts = [`${done.length}/${monitoring.length} sentinels monitoring the set hold ${what}`];
  if (pending.length > 0) parts.push(`not yet: ${list(pending)}`);
  if (unreachable.length > 0) parts.push(`out of reach: ${list(unreachable)} (their sentinel-wrappers apply it from ZooKeeper)`);
  return { done: pending.length === 0, pending, unreachable, summary: parts.join('; ') };
}
