import { FAST_SENTINEL, waitFor } from './harness';

export type Program = 'redis-wrapper' | 'sentinel-wrapper' | 'watcher';

/** What the deploy reads of ZooKeeper (core's Directory, from its sources or its build). */
export interface SetDirectory {
  readMaster(name: string): Promise<{ raw: string } | null>;
  listNodes(name: string): Promise<readonly unknown[]>;
  listSentinels(): Promise<readonly unknown[]>;
}

export interface SetDeployment<T> {
  redis: T[];
  sentinels: T[];
  watchers: T[];
  /** host:port of the master when the set came up. */
  master: string;
  name: string;
}

export interface DeploySetOptions<T extends { port: number }> {
  /** Starts one task of `program` with `env` on top of the caller's own environment. */
  start(program: Program, env: NodeJS.ProcessEnv): Promise<T>;
  /** ZooKeeper under the deployment's root. */
  dir: SetDirectory;
  /** SENTINEL MASTER <name> of a sentinel on loopback as a map; undefined when it does not answer. */
  sentinelMaster(port: number, name: string): Promise<Map<string, string> | undefined>;
  /** How many redis tasks (3), or one environment per task (each its own DATA_DIR, say). */
  redis?: number | readonly NodeJS.ProcessEnv[];
  sentinels?: number;
  watchers?: number;
  /** For every task (MASTER_NAME names the set). */
  env?: NodeJS.ProcessEnv;
}

/**
 * A replica set brought up as Marathon would, in the order that makes it quick: the redis tasks
 * first (one is elected), then the sentinels with the fast failover settings, then the watchers.
 * Resolves once every redis task is registered, every sentinel knows every replica and peer (so
 * Sentinel can fail over from the first moment), and every watcher is healthy. The tests, the
 * chaos tests and the bench all deploy through it.
 */
export async function deploySet<T extends { port: number }>(o: DeploySetOptions<T>): Promise<SetDeployment<T>> {
  const env = o.env ?? {};
  const name = String(env.MASTER_NAME ?? 'mymaster');
  const perTask = typeof o.redis === 'object' ? o.redis : Array.from({ length: o.redis ?? 3 }, () => ({}));
  const redis = await Promise.all(perTask.map((own) => o.start('redis-wrapper', { ...env, ...own })));
  const master = (await waitFor('a master in ZooKeeper', () => o.dir.readMaster(name), 30000)).raw;
  await waitFor('every redis task registered', async () => (await o.dir.listNodes(name)).length === redis.length, 30000);
  const sentinels = await Promise.all(Array.from({ length: o.sentinels ?? 3 }, () => o.start('sentinel-wrapper', { ...FAST_SENTINEL, ...env })));
  const watchers = await Promise.all(Array.from({ length: o.watchers ?? 1 }, () => o.start('watcher', env)));
  if (sentinels.length > 0) {
    await waitFor('sentinels registered', async () => (await o.dir.listSentinels()).length === sentinels.length, 30000);
    await sentinelsKnowSet(o.sentinelMaster, sentinels, name, redis.length - 1);
  }
  for (const w of watchers)
    await waitFor('watcher healthy', async () => (await fetch(`http://127.0.0.1:${w.port}/health`).catch(() => null))?.status === 200, 30000);
  return { redis, sentinels, watchers, master, name };
}

/** Waits until every sentinel in `sentinels` knows `replicas` replicas of the set and every other of them (bounded). */
export async function sentinelsKnowSet(
  sentinelMaster: DeploySetOptions<{ port: number }>['sentinelMaster'],
  sentinels: readonly { port: number }[],
  name: string,
  replicas: number,
  timeoutMs = 30000,
): Promise<void> {
  await waitFor(
    'every sentinel to know every replica and peer',
    async () => {
      for (const s of sentinels) {
        const m = await sentinelMaster(s.port, name);
        if (!m || Number(m.get('num-slaves')) < replicas || Number(m.get('num-other-sentinels')) < sentinels.length - 1) return false;
      }
      return true;
    },
    timeoutMs,
    200,
  );
}
