import { type Address, addressOf } from '../address';
import { type ConnectOptions, parseInfo, withRedis } from './connect';

/** What a redis node says about itself; `reachable: false` when it does not answer. */
export type Probe =
  | { readonly address: Address; readonly reachable: false; readonly error: string }
  | {
      readonly address: Address;
      readonly reachable: true;
      readonly role: 'master' | 'replica';
      /** For a replica: the master it replicates from. */
      readonly following: Address | null;
      readonly linkUp: boolean;
      readonly replOffset: number;
      readonly keys: number;
    };

export const isLiveMaster = (p: Probe | undefined): boolean => !!p && p.reachable && p.role === 'master';

/** Whether a node holds anything worth keeping: keys, or a replication history. */
export const holdsData = (p: Probe | undefined): boolean => !!p && p.reachable && (p.keys > 0 || p.replOffset > 0);

export async function probeRedis(address: Address, opts: ConnectOptions): Promise<Probe> {
  try {
    return await withRedis(address, opts, async (r) => {
      const [replication, keyspace] = await Promise.all([r.info('replication'), r.info('keyspace')]);
      const info = parseInfo(replication);
      const keys = [...parseInfo(keyspace).values()]
        .map((v) => Number(/keys=(\d+)/.exec(v)?.[1] ?? 0))
        .reduce((a, b) => a + b, 0);
      const role = info.get('role') === 'master' ? 'master' : 'replica';
      return {
        address,
        reachable: true as const,
        role,
        following: role === 'replica' ? addressOf(info.get('master_host'), info.get('master_port')) : null,
        linkUp: info.get('master_link_status') === 'up',
        replOffset: Number(info.get(role === 'master' ? 'master_repl_offset' : 'slave_repl_offset') ?? 0) || 0,
        keys,
      };
    });
  } catch (err) {
    return { address, reachable: false, error: err instanceof Error ? err.message : String(err) };
  }
}
