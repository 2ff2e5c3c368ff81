import type { Address } from '../address';
import { type ConnectOptions, parseInfo, withRedis } from './connect';
import { parseReplication } from './replication';
import { scrubErrorText } from '../safe-error';

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
      readonly replid: string;
      readonly replOffset: number;
      readonly keys: number;
      /** For a master: its replicas in state online. */
      readonly onlineReplicas?: number;
      /** For a replica: its replica-priority (0 = Sentinel never promotes it); absent when INFO does not say. */
      readonly priority?: number;
    };

export const isLiveMaster = (p: Probe | undefined): boolean => !!p && p.reachable && p.role === 'master';

/** Whether a node holds anything worth keeping: keys, or a replication history. */
export const holdsData = (p: Probe | undefined): boolean => !!p && p.reachable && (p.keys > 0 || p.replOffset > 0);

export async function probeRedis(address: Address, opts: ConnectOptions): Promise<Probe> {
  try {
    return await withRedis(address, opts, async (r) => {
      const [replication, keyspace] = await Promise.all([r.info('replication'), r.info('keyspace')]);
      const state = parseReplication(replication);
      const keys = [...parseInfo(keyspace).values()].map((v) => Number(/keys=(\d+)/.exec(v)?.[1] ?? 0)).reduce((a, b) => a + b, 0);
      return {
        address,
        reachable: true as const,
        role: state.role,
        following: state.following,
        linkUp: state.linkUp,
        replid: state.replid,
        replOffset: state.offset,
        keys,
        onlineReplicas: state.replicas.filter((x) => x.online).length,
        ...(state.priority !== undefined ? { priority: state.priority } : {}),
      };
    });
  } catch (err) {
    return { address, reachable: false, error: scrubErrorText(err instanceof Error ? err.message : String(err)) };
  }
}
