import {
  type Address,
  askSentinelPeers,
  Coalesced,
  formatAddress,
  type Logger,
  parseInfo,
  type RedisPool,
  type RegisteredMaster,
  withRedis,
  withSentinel,
} from '@redis-zk/core';
import { planReset, type SentinelState } from './plan-reset';

export interface CleanupDeps {
  sentinels: () => readonly Address[];
  masters: () => ReadonlyMap<string, RegisteredMaster>;
  /** Whether a set is paused (maintenance mode): its sentinels are left alone then. Rejects when unknown. */
  paused?: (name: string) => Promise<boolean>;
  /** The watcher's long-lived connections (one per server, whatever the number of sets). */
  pool?: RedisPool;
  graceMs: number;
  log: Logger;
  intervalMs?: number;
  settleTimeoutMs?: number;
}

const TIMEOUT_MS = 1000;

async function sentinelState(sentinel: Address, name: string, resetAt: number | undefined, pool: RedisPool | undefined): Promise<SentinelState | null> {
  // Not answering, or not monitoring the set: it has no say.
  const v = await askSentinelPeers(sentinel, name, TIMEOUT_MS, pool);
  return (
    v && {
      address: sentinel,
      peers: v.peers.map((p) => p.address),
      knownReplicas: v.knownReplicas,
      failoverInProgress: v.failoverInProgress,
      quorum: v.quorum,
      resetAt,
    }
  );
}

async function connectedReplicas(master: Address | null, pool: RedisPool | undefined): Promise<number | null> {
  if (!master) return null;
  try {
    return await withRedis(master, { timeoutMs: TIMEOUT_MS, pool }, async (r) => Number(parseInfo(await r.info('replication')).get('connected_slaves') ?? NaN));
  } catch {
    return null;
  }
}

/**
 * The original design's TODO: sentinels never forget a dead peer, and counting it makes failover
 * authorization harder. When a sentinel's registration is gone for good, the survivors are told
 * to forget it with SENTINEL RESET, one at a time and only when planReset says it is safe.
 */
export class SentinelCleanup {
  private timer: NodeJS.Timeout | undefined;
  private readonly runs = new Coalesced(() => this.tick());
  private readonly goneSince = new Map<string, Map<string, number>>();
  private readonly resetAt = new Map<string, number>();

  constructor(private readonly d: CleanupDeps) {}

  start(): void {
    this.timer = setInterval(() => this.runs.trigger('periodic'), this.d.intervalMs ?? 2000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    const registered = this.d.sentinels();
    if (registered.length === 0) return;
    for (const [name, reg] of this.d.masters()) {
      try {
        await this.cleanSet(name, reg, registered);
      } catch (err) {
        this.d.log.warn({ set: name, err: String(err) }, 'sentinel cleanup check failed');
      }
    }
  }

  private async cleanSet(name: string, reg: RegisteredMaster, registered: readonly Address[]): Promise<void> {
    // Paused (maintenance mode): no automatic action on the set, no SENTINEL RESET either (unknown counts as paused).
    if (this.d.paused && (await this.d.paused(name).catch(() => true))) {
      this.d.log.debug({ set: name, reason: 'the set is paused (maintenance mode)' }, 'sentinel cleanup skipped');
      return;
    }
    const now = Date.now();
    const views = (await Promise.all(registered.map((s) => sentinelState(s, name, this.resetAt.get(`${name} ${formatAddress(s)}`), this.d.pool)))).filter(
      (v): v is SentinelState => v !== null,
    );
    const gone = this.goneSince.get(name) ?? new Map<string, number>();
    this.goneSince.set(name, gone);
    const isRegistered = new Set(registered.map(formatAddress));
    const listed = new Set(views.flatMap((v) => v.peers.map(formatAddress)).filter((a) => !isRegistered.has(a)));
    for (const key of [...gone.keys()]) if (!listed.has(key)) gone.delete(key);
    for (const key of listed) if (!gone.has(key)) gone.set(key, now);

    const fromMaster = await connectedReplicas(reg.address, this.d.pool);
    const expectedReplicas = fromMaster ?? Math.max(0, ...views.map((v) => v.knownReplicas));
    const decision = planReset({
      name,
      registered,
      views,
      goneSince: gone,
      now,
      graceMs: this.d.graceMs,
      expectedReplicas,
      settleTimeoutMs: this.d.settleTimeoutMs ?? 60000,
    });
    if (decision.kind !== 'reset') {
      if (listed.size > 0) this.d.log.debug({ set: name, decision: decision.kind, reason: decision.reason }, 'sentinel cleanup');
      return;
    }
    await withSentinel(decision.sentinel, { timeoutMs: TIMEOUT_MS }, (r) => r.call('SENTINEL', 'RESET', name));
    this.resetAt.set(`${name} ${formatAddress(decision.sentinel)}`, Date.now());
    this.d.log.info(
      { set: name, sentinel: formatAddress(decision.sentinel), stale: decision.stale.map(formatAddress), reason: decision.reason },
      'SENTINEL RESET sent',
    );
  }
}
