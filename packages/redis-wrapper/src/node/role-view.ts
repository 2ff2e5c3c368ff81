import {
  type Address,
  askSentinel,
  type Directory,
  formatAddress,
  newestConfig,
  type PauseRecord,
  type Probe,
  probeRedis,
  readReplication,
  type RedisPool,
  type ReplicationState,
  sameAddress,
  sentinelConsensus,
  type SentinelView,
  withTimeout,
} from '@redis-zk/core';

export interface ViewInputs {
  dir: Directory;
  name: string;
  /** Where the local redis-server listens, and this node as announced. */
  local: Address;
  self: Address;
  pool: RedisPool;
  /**
   * Bound on this tick's ZooKeeper read and on each sentinel's answer (the pool's own timeouts are
   * longer): a partition must be seen within about a tick, so a cut-off master pauses its writes soon.
   */
  probeTimeoutMs: number;
}

/** What ZooKeeper said when it last answered: kept through an outage, with whether it is current. */
export interface ZkFacts {
  registered: Address | null;
  sentinels: readonly Address[];
  /** The set's pause (maintenance mode); null: not paused. */
  paused: PauseRecord | null;
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
 * One tick's reads, all in parallel and each bounded by `probeTimeoutMs`: the local server,
 * ZooKeeper (the last answer is kept while it is away), every sentinel last registered (with the
 * replicas it knows, for readiness; one registered since is asked once ZooKeeper answered), then
 * the masters they (a majority, and the newest config) and ZooKeeper name.
 */
export async function gatherView(inputs: ViewInputs, lastZk: ZkFacts): Promise<Gathered> {
  const opts = { timeoutMs: 1000, pool: inputs.pool };
  const ask = (list: readonly Address[]) =>
    Promise.all(
      list.map((s) =>
        withTimeout(askSentinel(s, inputs.name, { pool: inputs.pool, withReplicas: true }), inputs.probeTimeoutMs, `sentinel ${formatAddress(s)}`).catch(
          (err): SentinelView => ({ sentinel: s, reachable: false, error: String(err) }),
        ),
      ),
    );
  const [local, zk, early] = await Promise.all([
    readReplication(inputs.local, opts).catch(() => null),
    withTimeout(Promise.all([inputs.dir.readSet(inputs.name), inputs.dir.readPause(inputs.name)]), inputs.probeTimeoutMs, 'ZooKeeper read')
      .then(([set, paused]): ZkFacts => ({ registered: set.master?.address ?? null, sentinels: set.sentinels.map((x) => x.address), paused, current: true }))
      .catch((): ZkFacts => ({ ...lastZk, current: false })),
    ask(lastZk.sentinels),
  ]);
  const added = zk.sentinels.filter((a) => !lastZk.sentinels.some((b) => sameAddress(a, b)));
  const kept = early.filter((x) => zk.sentinels.some((a) => sameAddress(a, x.sentinel)));
  const sentinels = [...kept, ...(added.length > 0 ? await ask(added) : [])];
  const consensus = sentinelConsensus(sentinels);
  const wanted = new Map<string, Address>();
  // Not this node: the local INFO above says what it is (and a stalled redis would hold the tick up twice).
  // The newest config's master too: during a failover only the sentinels at its epoch name the promoted one.
  for (const a of [consensus.master, newestConfig(sentinels).master, zk.registered, local?.following])
    if (a && !sameAddress(a, inputs.self)) wanted.set(formatAddress(a), a);
  const probes = new Map<string, Probe>();
  // Bounded like the sentinels' answers: while this node is cut off a tick must stay short, so that
  // the first one after the heal starts soon (the fence after a partition waits for it).
  const probeOpts = { ...opts, timeoutMs: inputs.probeTimeoutMs };
  await Promise.all([...wanted.values()].map(async (a) => probes.set(formatAddress(a), await probeRedis(a, probeOpts))));
  return { local, zk, sentinels, probes };
}
