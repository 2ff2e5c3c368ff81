import { type Address, sameAddress } from '../address';
import type { MemberRecord, StoredMemberRecord } from './record';

/**
 * A node's failover tags (NEVER_PROMOTE, FAILOVER_PRIORITY), published in its member record so
 * that the other nodes' wrappers, the CLI and /status know them.
 */
export interface NodeTags {
  /** Never made master: not by Sentinel (replica-priority 0), not by any wrapper's choice. */
  readonly neverPromote: boolean;
  /** replica-priority when promotable: lower is preferred (Sentinel's reading). */
  readonly priority: number;
}

/** Redis's own default replica-priority: what a node without tags (an older version's record) has. */
export const DEFAULT_PRIORITY = 100;
export const DEFAULT_TAGS: NodeTags = { neverPromote: false, priority: DEFAULT_PRIORITY };

/** The replica-priority a node's redis-server must have: 0 (Sentinel never promotes it) for a never-promote node. */
export const replicaPriorityOf = (t: NodeTags): number => (t.neverPromote ? 0 : t.priority);

/** The tags a record publishes; a record without them (older version) is promotable at the default priority. */
export const tagsOf = (r: Pick<MemberRecord, 'neverPromote' | 'priority'> | undefined): NodeTags => ({
  neverPromote: r?.neverPromote === true,
  priority: r?.priority ?? DEFAULT_PRIORITY,
});

/** The tags of the node last seen at `address`: its newest member record's (ZooKeeper's zxid orders them). */
export function tagsAt(records: readonly StoredMemberRecord[], address: Address): NodeTags {
  const newest = records.filter((r) => sameAddress(r.address, address)).sort((a, b) => (a.mzxid < b.mzxid ? 1 : a.mzxid > b.mzxid ? -1 : 0))[0];
  return tagsOf(newest);
}

/** How status shows them: `never-promote`, `priority 10`, or '-' for the default. */
export const describeTags = (t: NodeTags): string => (t.neverPromote ? 'never-promote' : t.priority !== DEFAULT_PRIORITY ? `priority ${t.priority}` : '-');

/**
 * A data directory's record with its node's current tags, or null when it already has them: a
 * node restarted with other tags republishes its record before its election, so that the other
 * nodes' elections (which never wait for a never-promote node) read its tags of now.
 */
export function withTags<R extends MemberRecord>(r: R, t: NodeTags): R | null {
  if (!!r.neverPromote === t.neverPromote && (r.priority ?? DEFAULT_PRIORITY) === t.priority) return null;
  return { ...r, neverPromote: t.neverPromote, priority: t.priority };
}
