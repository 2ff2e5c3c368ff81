import { type Address, addressOf } from '../address';
import { isSetName } from '../config/vars';
import { parseInfo, withSentinel } from '../redis/connect';
import type { RedisPool } from '../redis/pool';
import type Redis from 'ioredis';
import { scrubErrorText } from '../safe-error';

/** A replica as one sentinel knows it (SENTINEL REPLICAS). */
export interface SentinelReplica {
  readonly address: Address;
  /** Whom the replica says it follows. */
  readonly following: Address | null;
  /** Its link to that master is up, and Sentinel does not think it down. */
  readonly ok: boolean;
  /** Sentinel neither thinks it down nor lost its connection: it may promote it, also with its link down (its master died). */
  readonly up: boolean;
  /** replica-priority as Sentinel last read it (INFO): 0 = never promoted. */
  readonly priority: number;
  /** Its replication offset as Sentinel last read it. */
  readonly offset: number | null;
  /** How long ago this sentinel last had an INFO reply from it (info-refresh); when a switchover times its command. */
  readonly infoAgeMs?: number;
}

/** One sentinel's answer about one replica set. */
export type SentinelView =
  | { readonly sentinel: Address; readonly reachable: false; readonly error: string }
  | {
      readonly sentinel: Address;
      readonly reachable: true;
      /** false when this sentinel does not monitor the set. */
      readonly monitors: boolean;
      readonly master: Address | null;
      /**
       * The master this sentinel gives clients now (GET-MASTER-ADDR-BY-NAME): during a failover the
       * promoted replica from the moment Sentinel saw it promoted, while `master` switches only when the
       * failover ends (about a second later). Absent: the same as `master`.
       */
      readonly current?: Address | null;
      readonly failoverInProgress: boolean;
      /** Sentinel's config epoch: grows with every failover of the set. */
      readonly configEpoch: number;
      readonly flags: readonly string[];
      /** failover-timeout as this sentinel has it configured; 0 when not monitored. */
      readonly failoverTimeoutMs: number;
      /** The replicas it knows; only when asked for (`withReplicas`). */
      readonly replicas?: readonly SentinelReplica[];
      /** The set's quorum and down-after-milliseconds as this sentinel has them (when it monitors the set). */
      readonly quorum?: number;
      readonly downAfterMs?: number;
      /** The sentinels this one knows for the set, itself included (num-other-sentinels + 1): a failover needs a majority of them. */
      readonly knownSentinels?: number;
      /** The replicas it knows (num-slaves), dead ones included until a reset. */
      readonly knownReplicas?: number;
      /**
       * In TILT (INFO sentinel's sentinel_tilt; only when asked for, `withTilt`): after its clock
       * jumped (a freeze, a stalled host) Sentinel takes no action for 30 s. A failover it accepts
       * meanwhile waits that long, with the switchover's writes paused.
       */
      readonly tilt?: boolean;
    };

/** SENTINEL MASTER answers a flat [k1, v1, k2, v2, ...] list. */
export function pairsToMap(reply: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) out.set(String(reply[i]), String(reply[i + 1]));
  return out;
}

/** What SENTINEL MASTER <name> says about the set, parsed once for every caller. */
export interface SentinelMasterState {
  readonly master: Address | null;
  readonly failoverInProgress: boolean;
  readonly configEpoch: number;
  readonly flags: readonly string[];
  /** num-slaves: replicas this sentinel knows (dead ones included until a reset). */
  readonly knownReplicas: number;
  /** num-other-sentinels + 1: the sentinels a failover's leader needs a majority of. */
  readonly knownSentinels: number;
  readonly quorum: number;
  readonly failoverTimeoutMs: number;
  readonly downAfterMs: number;
}

export function parseSentinelMaster(reply: unknown): SentinelMasterState {
  const m = pairsToMap(reply);
  const flags = (m.get('flags') ?? '').split(',').filter(Boolean);
  return {
    master: addressOf(m.get('ip'), m.get('port')),
    failoverInProgress: flags.includes('failover_in_progress') || (m.get('failover-state') ?? 'none') !== 'none',
    configEpoch: Number(m.get('config-epoch') ?? 0) || 0,
    flags,
    knownReplicas: Number(m.get('num-slaves') ?? 0) || 0,
    knownSentinels: (Number(m.get('num-other-sentinels') ?? 0) || 0) + 1,
    quorum: Number(m.get('quorum') ?? 1) || 1,
    failoverTimeoutMs: Number(m.get('failover-timeout') ?? 0) || 0,
    downAfterMs: Number(m.get('down-after-milliseconds') ?? 0) || 0,
  };
}

export function parseSentinelReplicas(reply: unknown): SentinelReplica[] {
  if (!Array.isArray(reply)) return [];
  return reply.flatMap((entry) => {
    const m = pairsToMap(entry);
    const address = addressOf(m.get('ip'), m.get('port'));
    if (!address) return [];
    const flags = (m.get('flags') ?? '').split(',');
    const down = flags.some((f) => f === 's_down' || f === 'o_down' || f === 'disconnected');
    const priority = Number(m.get('slave-priority') ?? 100);
    const offset = m.has('slave-repl-offset') ? Number(m.get('slave-repl-offset')) : null;
    const infoAgeMs = Number(m.get('info-refresh'));
    return [
      {
        address,
        following: addressOf(m.get('master-host'), m.get('master-port')),
        ok: m.get('master-link-status') === 'ok' && !down,
        up: !down,
        priority: Number.isFinite(priority) ? priority : 100,
        offset: offset !== null && Number.isFinite(offset) ? offset : null,
        ...(m.has('info-refresh') && Number.isFinite(infoAgeMs) ? { infoAgeMs } : {}),
      },
    ];
  });
}

export interface AskOptions {
  timeoutMs?: number;
  /** Also ask SENTINEL REPLICAS. */
  withReplicas?: boolean;
  /** Also ask whether it is in TILT (INFO sentinel: one line per set it monitors, so only where it decides). */
  withTilt?: boolean;
  /** Ask over the pool's long-lived connection instead of a new one. */
  pool?: RedisPool;
}

export async function askSentinel(sentinel: Address, name: string, o: AskOptions = {}): Promise<SentinelView> {
  const ask = async (r: Redis): Promise<SentinelView> => {
    // One round trip: the state, the address clients are given (they differ during a failover), and what was asked besides.
    const pipeline = r.pipeline().call('SENTINEL', 'MASTER', name).call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name);
    if (o.withReplicas) pipeline.call('SENTINEL', 'REPLICAS', name);
    if (o.withTilt) pipeline.info('sentinel');
    const replies = (await pipeline.exec()) ?? [];
    const [err, reply] = replies[0] ?? [new Error('no answer to SENTINEL MASTER'), null];
    const addr = replies[1]?.[1];
    /** The reply to the pipeline's `index`th command, or its error thrown. */
    const answer = (index: number): unknown => {
      const [e, value] = replies[index] ?? [new Error('no answer'), null];
      if (e) throw e;
      return value;
    };
    if (err) {
      if (/No such master/i.test(String(err))) {
        return {
          sentinel,
          reachable: true as const,
          monitors: false,
          master: null,
          failoverInProgress: false,
          configEpoch: 0,
          flags: [],
          failoverTimeoutMs: 0,
        };
      }
      throw err;
    }
    const { master, failoverInProgress, configEpoch, flags, failoverTimeoutMs, quorum, downAfterMs, knownSentinels, knownReplicas } =
      parseSentinelMaster(reply);
    const replicas = o.withReplicas ? parseSentinelReplicas(answer(2)) : undefined;
    const tilt = o.withTilt ? parseInfo(String(answer(o.withReplicas ? 3 : 2))).get('sentinel_tilt') === '1' : undefined;
    return {
      sentinel,
      reachable: true as const,
      monitors: true,
      master,
      current: Array.isArray(addr) ? addressOf(String(addr[0]), String(addr[1])) : master,
      failoverInProgress,
      configEpoch,
      flags,
      failoverTimeoutMs,
      quorum,
      downAfterMs,
      knownSentinels,
      knownReplicas,
      ...(replicas ? { replicas } : {}),
      ...(tilt !== undefined ? { tilt } : {}),
    };
  };
  try {
    return await withSentinel(sentinel, { timeoutMs: o.timeoutMs ?? 1000, pool: o.pool }, ask);
  } catch (err) {
    return { sentinel, reachable: false, error: scrubErrorText(err instanceof Error ? err.message : String(err)) };
  }
}

export const askSentinels = (sentinels: readonly Address[], name: string, opts: AskOptions = {}): Promise<SentinelView[]> =>
  Promise.all(sentinels.map((s) => askSentinel(s, name, opts)));

/** Names of every set a sentinel monitors; empty when it does not answer. `pool`: ask over its long-lived connection. */
export async function monitoredNames(sentinel: Address, timeoutMs = 1000, pool?: RedisPool): Promise<string[]> {
  try {
    return await withSentinel(sentinel, { timeoutMs, pool }, async (r) => {
      const masters = (await r.call('SENTINEL', 'MASTERS')) as unknown[];
      // A name Sentinel holds that is not a set name (a glob reaches SENTINEL RESET as a pattern) is not one of ours.
      return masters.map((m) => pairsToMap(m).get('name')).filter((n): n is string => !!n && isSetName(n));
    });
  } catch {
    return [];
  }
}

/** One sentinel's view of a set's other sentinels: SENTINEL MASTER and SENTINEL SENTINELS, parsed once for every caller. */
export interface SentinelPeers extends SentinelMasterState {
  /** The other sentinels it counts for the set (never itself); `down`: it takes that one for down. */
  readonly peers: ReadonlyArray<{ readonly address: Address; readonly down: boolean }>;
}

/** What `sentinel` knows of `name`'s other sentinels; null when it does not answer or does not monitor the set. `pool`: as monitoredNames. */
export async function askSentinelPeers(sentinel: Address, name: string, timeoutMs = 1000, pool?: RedisPool): Promise<SentinelPeers | null> {
  try {
    return await withSentinel(sentinel, { timeoutMs, pool }, async (r) => {
      const [master, peers] = await Promise.all([r.call('SENTINEL', 'MASTER', name), r.call('SENTINEL', 'SENTINELS', name)]);
      return {
        ...parseSentinelMaster(master),
        peers: (peers as unknown[]).flatMap((p) => {
          const m = pairsToMap(p);
          const address = addressOf(m.get('ip'), m.get('port'));
          const flags = (m.get('flags') ?? '').split(',');
          return address ? [{ address, down: flags.includes('s_down') || flags.includes('o_down') }] : [];
        }),
      };
    });
  } catch {
    return null;
  }
}
