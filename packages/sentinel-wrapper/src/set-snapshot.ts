import { isIP } from 'node:net';
import {
  type Address,
  askSentinel,
  askSentinels,
  type Directory,
  isLiveMaster,
  newestConfig,
  formatAddress,
  type Probe,
  probeRedis,
  type RedisPool,
  sameAddress,
  sentinelConsensus,
} from '@redis-zk/core';
import type { SetSnapshot } from './plan';

const TIMEOUT_MS = 1000;

/**
 * An address Sentinel can monitor: an IP address. Sentinel runs without resolve-hostnames, so a
 * name in `masters/<name>` would make SENTINEL MONITOR (or the config file, and with it every
 * set) fail: such a record counts as junk (waitForMasters then looks among the set's nodes).
 */
export const monitorable = (a: Address | null | undefined): Address | null => (a && isIP(a.host) !== 0 ? a : null);

/**
 * Reads what planSet needs for one set: ZooKeeper's master, what the local Sentinel (if running)
 * monitors, what the other registered sentinels agree on, and which of those answer as master.
 * `pool`: ask over long-lived connections (the follower asks every set every few seconds); each
 * address is probed once even when ZooKeeper, the local Sentinel and the others name the same.
 */
export async function snapshotSet(dir: Directory, name: string, self: Address, local: Address | null, pool?: RedisPool): Promise<SetSnapshot> {
  const { master, sentinels } = await dir.readSet(name);
  const registered = monitorable(master?.address);
  const others = sentinels.map((s) => s.address).filter((a) => !sameAddress(a, self));
  const asked = { timeoutMs: TIMEOUT_MS, pool };
  const [localView, views] = await Promise.all([local ? askSentinel(local, name, asked) : null, askSentinels(others, name, asked)]);
  const consensus = sentinelConsensus(views);
  const monitored = localView?.reachable && localView.monitors && localView.master ? localView : null;
  const probes = new Map<string, Promise<Probe>>();
  const probe = async (a: Address | null | undefined) => {
    if (!a) return undefined;
    const key = formatAddress(a);
    if (!probes.has(key)) probes.set(key, probeRedis(a, { timeoutMs: TIMEOUT_MS, pool }));
    return probes.get(key);
  };
  const [registeredProbe, monitoredProbe, othersProbe] = await Promise.all([probe(registered), probe(monitored?.master), probe(consensus.master)]);
  const registeredIsLiveMaster = isLiveMaster(registeredProbe);
  const monitoredIsLive = isLiveMaster(monitoredProbe);
  const othersMasterIsLive = isLiveMaster(othersProbe);
  return {
    name,
    registered,
    registeredIsLiveMaster,
    monitored: monitored?.master
      ? {
          address: monitored.master,
          isLiveMaster: monitoredIsLive,
          failoverInProgress: monitored.failoverInProgress,
          configEpoch: monitored.configEpoch,
          knowsReplicas: (monitored.knownReplicas ?? 0) > 0,
        }
      : null,
    others: consensus,
    othersMasterIsLive,
    othersNewest: newestConfig(views),
  };
}
