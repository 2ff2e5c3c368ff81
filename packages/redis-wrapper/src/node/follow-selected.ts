import { type Address, formatAddress, type ReplicaSelected, sameAddress } from '@redis-zk/core';

/** What the node knows when a failover's leader reports the replica it chose (`+selected-slave`). */
export interface SelectedView {
  readonly self: Address;
  readonly selected: ReplicaSelected;
  /** The local server's role at the last tick that reached it (undefined: never reached). */
  readonly role: 'master' | 'replica' | undefined;
  /** The master the local server followed at that tick. */
  readonly following: Address | null | undefined;
  /** The set is paused (maintenance mode): no automatic action. */
  readonly paused: boolean;
}

export type SelectedAction =
  | { readonly kind: 'follow'; readonly master: Address; readonly reason: string }
  | { readonly kind: 'none'; readonly reason: string };

/**
 * A replica of the master a failover leaves re-points to the replica the leader chose the moment
 * the leader reports it, not when Sentinel re-points it (after `+promoted-slave`, about a second
 * later). Meanwhile the old master may come back (resumed from a freeze, its link healed) and
 * take writes at once, before its own wrapper can fence it; a replica still following it
 * acknowledges them (`WAIT 1` passes) and loses them when Sentinel re-points it (nemesis seed
 * 949985386: a write acknowledged 50 ms after the old master resumed, 0.4 s after Sentinel chose
 * another replica, was lost). Following the chosen replica, still a replica for a moment, makes a
 * chain: whatever this node acknowledges from then on reaches it through the chosen one, which
 * keeps it when promoted. The node loop leaves it there while the failover runs (role-decide.ts:
 * a replica following a live node is not moved mid-failover), and Sentinel's own REPLICAOF to the
 * same master changes nothing.
 */
export function decideFollowSelected(v: SelectedView): SelectedAction {
  const { replica, from } = v.selected;
  const chosen = formatAddress(replica);
  if (v.paused) return { kind: 'none', reason: 'the set is paused (maintenance mode): no automatic action' };
  if (sameAddress(replica, v.self)) return { kind: 'none', reason: 'this node is the replica Sentinel chose' };
  if (v.role !== 'replica') return { kind: 'none', reason: `this node is not known to be a replica (${v.role ?? 'not reached yet'})` };
  if (!sameAddress(v.following, from)) {
    const followed = v.following ? formatAddress(v.following) : 'no master';
    return { kind: 'none', reason: `following ${followed}, not ${formatAddress(from)}, the master Sentinel fails over from` };
  }
  return {
    kind: 'follow',
    master: replica,
    reason:
      `sentinel ${formatAddress(v.selected.via)} chose ${chosen} to replace ${formatAddress(from)}, which this replica follows: ` +
      'writes it acknowledged there from now on would be lost',
  };
}
