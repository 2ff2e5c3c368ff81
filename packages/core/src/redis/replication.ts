import { type Address, addressOf } from '../address';
import { type ConnectOptions, parseInfo, withRedis } from './connect';

/** One connected replica as its master lists it (INFO's slaveN lines). */
export interface ReplicaLine {
  readonly address: Address;
  readonly offset: number;
  /** `online` once the initial sync is done. */
  readonly online: boolean;
}

/** What INFO replication says of a node, parsed once for every caller. */
export interface ReplicationState {
  readonly role: 'master' | 'replica';
  /** For a replica: the master it replicates from. */
  readonly following: Address | null;
  readonly linkUp: boolean;
  /** A replica still loading its initial sync. */
  readonly syncInProgress: boolean;
  /** master_replid: the history this node's data belongs to (a replica shares its master's). */
  readonly replid: string;
  /** master_repl_offset: how far along that history this node is. */
  readonly offset: number;
  /** For a master: its connected replicas. */
  readonly replicas: readonly ReplicaLine[];
  /** For a replica: its replica-priority (slave_priority; 0 = never promoted). */
  readonly priority?: number;
  /** second_repl_offset: after a promotion, one past the offset its previous history ended at (-1: none). */
  readonly secondOffset?: number;
}

export function parseReplication(text: string): ReplicationState {
  const info = parseInfo(text);
  const role = info.get('role') === 'master' ? 'master' : 'replica';
  const replicas: ReplicaLine[] = [];
  for (const [key, value] of info) {
    if (!/^slave\d+$/.test(key)) continue;
    const fields = new Map(value.split(',').map((kv) => kv.split('=') as [string, string]));
    const address = addressOf(fields.get('ip'), fields.get('port'));
    if (address) replicas.push({ address, offset: Number(fields.get('offset') ?? -1), online: fields.get('state') === 'online' });
  }
  return {
    role,
    following: role === 'replica' ? addressOf(info.get('master_host'), info.get('master_port')) : null,
    linkUp: info.get('master_link_status') === 'up',
    syncInProgress: info.get('master_sync_in_progress') === '1',
    replid: info.get('master_replid') ?? '',
    offset: Number(info.get('master_repl_offset') ?? info.get('slave_repl_offset') ?? 0) || 0,
    replicas,
    ...(role === 'replica' && /^\d+$/.test(info.get('slave_priority') ?? '') ? { priority: Number(info.get('slave_priority')) } : {}),
    ...(/^-?\d+$/.test(info.get('second_repl_offset') ?? '') ? { secondOffset: Number(info.get('second_repl_offset')) } : {}),
  };
}

export const readReplication = (address: Address, opts: ConnectOptions): Promise<ReplicationState> =>
  withRedis(address, opts, async (r) => parseReplication(await r.info('replication')));
