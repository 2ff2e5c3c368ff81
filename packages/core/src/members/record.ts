import { type Address, formatAddress, parseAddress } from '../address';

/**
 * What a redis node publishes about its data, kept current while it runs (`members/{set}/{dataId}`,
 * persistent: it outlives the task, so that after a whole-set loss the election can tell which
 * data directory holds the longest history). `dataId` names a DATA_DIR, not a task: a task that
 * comes back on another port with the same data is the same member.
 */
export interface MemberRecord {
  /** Where the node was last reachable (host:port as announced). */
  readonly address: Address;
  readonly role: 'master' | 'replica';
  /** master_replid: the history the data belongs to (a replica shares its master's). */
  readonly replid: string;
  /** master_repl_offset: how far along that history. */
  readonly offset: number;
  readonly following: Address | null;
  readonly linkUp: boolean;
  /** Where its redis-wrapper's node API answers (`/primary`, `/replica`): what a proxy checks. */
  readonly api?: Address | undefined;
  /** The Mesos task and agent running it, when it runs under Marathon (MESOS_TASK_ID, HOST). */
  readonly task?: string | undefined;
  readonly agent?: string | undefined;
  /** NEVER_PROMOTE=yes: never made master (tags.ts); absent = promotable. */
  readonly neverPromote?: boolean | undefined;
  /** FAILOVER_PRIORITY (replica-priority when promotable); absent = the default. */
  readonly priority?: number | undefined;
}

/** A record as read back, with what ZooKeeper says of its last write. */
export interface StoredMemberRecord extends MemberRecord {
  readonly dataId: string;
  /** Orders every write in ZooKeeper: the record written last has the highest. */
  readonly mzxid: bigint;
  /** Server time of the last write. */
  readonly mtimeMs: number;
}

export function encodeMemberRecord(r: MemberRecord): string {
  return JSON.stringify({
    address: formatAddress(r.address),
    role: r.role,
    replid: r.replid,
    offset: r.offset,
    following: r.following ? formatAddress(r.following) : null,
    linkUp: r.linkUp,
    ...(r.api ? { api: formatAddress(r.api) } : {}),
    ...(r.task ? { task: r.task } : {}),
    ...(r.agent ? { agent: r.agent } : {}),
    ...(r.neverPromote ? { neverPromote: true } : {}),
    ...(r.priority !== undefined ? { priority: r.priority } : {}),
  });
}

/** null for anything that is not a record this version understands (the caller logs the path). */
export function parseMemberRecord(text: string): MemberRecord | null {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const address = parseAddress(typeof raw.address === 'string' ? raw.address : null);
  const role = raw.role === 'master' || raw.role === 'replica' ? raw.role : null;
  const offset = typeof raw.offset === 'number' && Number.isSafeInteger(raw.offset) && raw.offset >= 0 ? raw.offset : null;
  const replid = typeof raw.replid === 'string' && /^[0-9a-f]{1,64}$/.test(raw.replid) ? raw.replid : null;
  if (!address || !role || offset === null || replid === null) return null;
  const following = typeof raw.following === 'string' ? parseAddress(raw.following) : null;
  const api = typeof raw.api === 'string' ? parseAddress(raw.api) : null;
  const label = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 300 ? v : undefined);
  const task = label(raw.task);
  const agent = label(raw.agent);
  const priority =
    typeof raw.priority === 'number' && Number.isInteger(raw.priority) && raw.priority >= 1 && raw.priority <= 2 ** 31 - 1 ? raw.priority : undefined;
  return {
    address,
    role,
    replid,
    offset,
    following,
    linkUp: raw.linkUp === true,
    ...(api ? { api } : {}),
    ...(task ? { task } : {}),
    ...(agent ? { agent } : {}),
    ...(raw.neverPromote === true ? { neverPromote: true } : {}),
    ...(priority !== undefined ? { priority } : {}),
  };
}

/** Whether two records say the same about the data (the offset aside): a change worth writing at once. */
export const sameShape = (a: MemberRecord, b: MemberRecord): boolean =>
  formatAddress(a.address) === formatAddress(b.address) &&
  a.role === b.role &&
  a.replid === b.replid &&
  a.linkUp === b.linkUp &&
  !!a.neverPromote === !!b.neverPromote &&
  a.priority === b.priority &&
  (a.api ? formatAddress(a.api) : '') === (b.api ? formatAddress(b.api) : '') &&
  (a.following ? formatAddress(a.following) : '') === (b.following ? formatAddress(b.following) : '');
