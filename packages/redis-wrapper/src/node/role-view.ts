import {
  type Address,
  askSentinels,
  type Directory,
  formatAddress,
  type Probe,
  probeRedis,
  readReplication,
  type RedisPool,
  type ReplicationState,
  sentinelConsensus,
  type SentinelView,
} from '@redis-zk/core';

export interface ViewInputs {
  dir: Directory;
  name: string;
  /** Where the local redis-server listens. */
  local: Address;
  password: string | undefined;
  pool: RedisPool;
}

/** What ZooKeeper said when it last answered: kept through an outage, with whether it is current. */
export interface ZkFacts {
  registered: Address | null;
  sentinels: readonly Address[];
  /** false when this tick's read failed and the facts are the last ones known. */
  current: boolean;
}

export interface Gathered {
  local: ReplicationState | null;
  zk: ZkFacts;
  sentinels: readonly SentinelView[];
  probes: ReadonlyMap<string, Probe>;
}

/**
 * One tick's reads, in parallel where they do not depend on each other: the local server,
 * ZooKeeper (the last answer is kept while it is away), every registered sentinel (with the
 * replicas it knows, for readiness), and the masters they and ZooKeeper name.
 */
export async function gatherView(i: ViewInputs, lastZk: ZkFacts): Promise<Gathered> {
  const opts = { password: i.password, timeoutMs: 1000, pool: i.pool };
  const [local, zk] = await Promise.all([
    readReplication(i.local, opts).catch(() => null),
    Promise.all([i.dir.readMaster(i.name), i.dir.listSentinels()])
      .then(([m, s]): ZkFacts => ({ registered: m?.address ?? null, sentinels: s.map((x) => x.address), current: true }))
      .catch((): ZkFacts => ({ ...lastZk, current: false })),
  ]);
  const sentinels = await askSentinels(zk.sentinels, i.name, { pool: i.pool, withReplicas: local?.role === 'replica' });
  const consensus = sentinelConsensus(sentinels);
  const wanted = new Map<string, Address>();
  for (const a of [consensus.master, zk.registered, local?.following]) if (a) wanted.set(formatAddress(a), a);
  const probes = new Map<string, Probe>();
  await Promise.all([...wanted.values()].map(async (a) => probes.set(formatAddress(a), await probeRedis(a, opts))));
  return { local, zk, sentinels, probes };
}
