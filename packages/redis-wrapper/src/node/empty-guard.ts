import type { ReplicationState } from '@redis-zk/core';

export type EmptyGuardDecision = { readonly kind: 'hold' | 'lift'; readonly reason: string } | { readonly kind: 'none' };

/**
 * The empty guard of a node that came back wiped (wipedFrom): its replica-priority stays 0 (no
 * failover promotes it, so no replica full-syncs from an empty master) until it holds the data
 * again: its first full sync is done (link up, no sync in progress, an offset). A wiped node that
 * was elected master after all (it alone came back) has nothing to wait for.
 *
 * | held | local                                        | decision |
 * |------|----------------------------------------------|----------|
 * | no   | any                                          | none     |
 * | yes  | does not answer                              | hold     |
 * | yes  | replica, syncing or link down or offset 0    | hold     |
 * | yes  | replica, link up, synced, offset > 0         | lift     |
 * | yes  | master                                       | lift     |
 */
export function decideEmptyGuard(held: boolean, local: ReplicationState | null): EmptyGuardDecision {
  if (!held) return { kind: 'none' };
  if (local?.role === 'master') return { kind: 'lift', reason: 'this wiped node is the master (it alone came back): no priority to hold' };
  if (local?.linkUp && !local.syncInProgress && local.offset > 0) {
    return { kind: 'lift', reason: `first full sync done (offset ${local.offset}): this node holds the data again` };
  }
  return { kind: 'hold', reason: 'wiped data directory: replica-priority 0 until its first full sync is done' };
}
