import { type Address, askSentinels, type Directory, formatAddress, parseAddress, type Probe, probeRedis, type ZkLock } from '@redis-zk/core';
import type { Contender, ElectionSnapshot } from './decide';

/** What a contender writes in its lock node, so others can tell whether it holds data. */
export interface ContenderInfo {
  address: string;
  dataBytes: number;
  dataId: string;
  /** Absent (older versions) = promotable. */
  neverPromote?: boolean;
}

export interface SnapshotInputs {
  dir: Directory;
  /** Held for every complete snapshot (its queue names the other contenders); null for a quick one taken without it. */
  lock: ZkLock | null;
  name: string;
  self: Address;
  selfDataBytes: number;
  selfDataId: string;
  startedAt: number;
  timeoutMs: number;
  dataWaitMs: number;
  neverPromote: boolean;
  wiped: boolean;
}

const PROBE_TIMEOUT_MS = 1000;

/**
 * Reads ZooKeeper, asks the sentinels and probes every address they mention, in parallel. A
 * quick snapshot (complete: false) skips the set's nodes and the lock's contenders: with 50 nodes
 * starting at once, probing every node in every election would cost 50 × 50 connections.
 */
export async function takeSnapshot(inputs: SnapshotInputs, complete: boolean): Promise<ElectionSnapshot> {
  const [{ master: registered, nodes, sentinels, members: records }, contenders] = await Promise.all([
    inputs.dir.readSet(inputs.name, { nodes: complete, members: complete }),
    complete && inputs.lock ? inputs.lock.contenders() : [],
  ]);
  const sentinelViews = await askSentinels(
    sentinels.map((s) => s.address),
    inputs.name,
    { timeoutMs: PROBE_TIMEOUT_MS },
  );

  const probes = new Map<string, Probe>();
  const probeAll = async (addresses: Array<Address | null | undefined>) => {
    const fresh = new Map<string, Address>();
    for (const a of addresses) if (a && !probes.has(formatAddress(a))) fresh.set(formatAddress(a), a);
    const results = await Promise.all([...fresh.values()].map((a) => probeRedis(a, { timeoutMs: PROBE_TIMEOUT_MS })));
    for (const p of results) probes.set(formatAddress(p.address), p);
  };
  await probeAll([registered?.address, ...nodes.map((n) => n.address), ...sentinelViews.map((v) => (v.reachable ? v.master : null))]);
  // A replica's upstream may be a master nobody registered yet (a failover in flight).
  await probeAll([...probes.values()].map((p) => (p.reachable ? p.following : null)));

  return {
    complete,
    self: inputs.self,
    selfDataBytes: inputs.selfDataBytes,
    selfDataId: inputs.selfDataId,
    records,
    registered: registered?.address ?? null,
    nodes: nodes.map((n) => n.address),
    probes,
    sentinels: sentinelViews,
    contenders: contenders
      .filter((c) => c.node !== inputs.lock?.ownNode)
      .map((c) => parseContender(c.data))
      .filter((c): c is Contender => c !== null),
    elapsedMs: Date.now() - inputs.startedAt,
    timeoutMs: inputs.timeoutMs,
    dataWaitMs: inputs.dataWaitMs,
    selfNeverPromote: inputs.neverPromote,
    selfWiped: inputs.wiped,
  };
}

function parseContender(data: string): Contender | null {
  try {
    const info = JSON.parse(data) as Partial<ContenderInfo>;
    const address = parseAddress(info.address);
    if (!address || typeof info.dataBytes !== 'number') return null;
    return {
      address,
      dataBytes: info.dataBytes,
      ...(typeof info.dataId === 'string' ? { dataId: info.dataId } : {}),
      ...(info.neverPromote === true ? { neverPromote: true } : {}),
    };
  } catch {
    return null;
  }
}
