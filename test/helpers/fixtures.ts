import { type Address, parseAddress } from '../../packages/core/src/address';
import type { Probe } from '../../packages/core/src/redis/probe';
import type { ReplicationState } from '../../packages/core/src/redis/replication';
import type { SentinelReplica, SentinelView } from '../../packages/core/src/sentinel/query';

/** Builders for the pure decisions' case tables: one place for every unit test. */

export const addr = (text: string): Address => {
  const a = parseAddress(text);
  if (!a) throw new Error(`bad test address ${text}`);
  return a;
};

export interface ProbeOpts {
  keys?: number;
  offset?: number;
  linkUp?: boolean;
  replid?: string;
  /** A replica's replica-priority (absent: INFO did not say). */
  priority?: number;
}
const REPLID = 'a'.repeat(40);

export const liveMaster = (a: Address, o: ProbeOpts = {}): Probe => ({
  address: a,
  reachable: true,
  role: 'master',
  following: null,
  linkUp: o.linkUp ?? false,
  replid: o.replid ?? REPLID,
  replOffset: o.offset ?? 0,
  keys: o.keys ?? 0,
});
export const liveReplica = (a: Address, following: Address | null, o: ProbeOpts = {}): Probe => ({
  address: a,
  reachable: true,
  role: 'replica',
  following,
  linkUp: o.linkUp ?? false,
  replid: o.replid ?? REPLID,
  replOffset: o.offset ?? 0,
  keys: o.keys ?? 0,
  ...(o.priority !== undefined ? { priority: o.priority } : {}),
});
export const dead = (a: Address): Probe => ({ address: a, reachable: false, error: 'connect ECONNREFUSED' });

/** A replica as a sentinel lists it: link up, priority 100, offset 10, following `master`. */
export const sentinelReplica = (a: Address, master: Address, o: Partial<SentinelReplica> = {}): SentinelReplica => ({
  address: a,
  following: master,
  ok: true,
  up: true,
  priority: 100,
  offset: 10,
  ...o,
});

export interface SentinelOpts {
  failover?: boolean;
  epoch?: number;
  replicas?: SentinelReplica[];
  failoverTimeoutMs?: number;
  flags?: string[];
  knownSentinels?: number;
  /** What GET-MASTER-ADDR-BY-NAME answers, when it differs from `master` (a failover past its promotion). */
  current?: Address | null;
  /** In TILT (asked with withTilt). */
  tilt?: boolean;
}
export const sentinelView = (s: Address, master: Address | null, o: SentinelOpts = {}): SentinelView => ({
  sentinel: s,
  reachable: true,
  monitors: true,
  master,
  ...(o.current !== undefined ? { current: o.current } : {}),
  failoverInProgress: o.failover ?? false,
  configEpoch: o.epoch ?? 1,
  flags: o.flags ?? ['master'],
  failoverTimeoutMs: o.failoverTimeoutMs ?? 6000,
  ...(o.replicas ? { replicas: o.replicas } : {}),
  ...(o.knownSentinels ? { knownSentinels: o.knownSentinels } : {}),
  ...(o.tilt !== undefined ? { tilt: o.tilt } : {}),
});
export const unreachableSentinel = (s: Address): SentinelView => ({ sentinel: s, reachable: false, error: 'connect ETIMEDOUT' });
export const notMonitoring = (s: Address, o: { failover?: boolean } = {}): SentinelView => ({
  sentinel: s,
  reachable: true,
  monitors: false,
  master: null,
  failoverInProgress: o.failover ?? false,
  configEpoch: 0,
  flags: [],
  failoverTimeoutMs: 0,
});

export const replicationOf = (o: Partial<ReplicationState> & Pick<ReplicationState, 'role'>): ReplicationState => ({
  following: null,
  linkUp: false,
  syncInProgress: false,
  replid: REPLID,
  offset: 0,
  replicas: [],
  ...o,
});
