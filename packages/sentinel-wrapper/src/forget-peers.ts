import fs from 'node:fs/promises';
import {
  type Address,
  askSentinelPeers,
  Coalesced,
  type Directory,
  formatAddress,
  type Logger,
  type RedisPool,
  type ServerTask,
  withSentinel,
  writePrivateFile,
} from '@redis-zk/core';
import { type PeerSetView, planForget, withoutKnownSentinels } from './plan-forget';

export interface PeerPrunerDeps {
  dir: Directory;
  /** Where to reach the local Sentinel, and the config file it runs with (and rewrites). */
  local: Address;
  configFile: string;
  task: ServerTask;
  graceMs: number;
  log: Logger;
  /** The sets to look at (those the local Sentinel monitors and ZooKeeper names). */
  sets: () => Promise<readonly string[]>;
  intervalMs?: number;
  /** Long-lived connections: every set is looked at every tick. */
  pool?: RedisPool;
}

const TIMEOUT_MS = 1000;

/** The local Sentinel's view of one set's peers; null when it does not answer or monitor the set. */
async function peerView(local: Address, name: string, pool: RedisPool | undefined): Promise<PeerSetView | null> {
  const v = await askSentinelPeers(local, name, TIMEOUT_MS, pool);
  return v && { name, quorum: v.quorum, failoverInProgress: v.failoverInProgress, peers: v.peers };
}

/**
 * Keeps dead sentinels from blocking a failover (planForget): when they do, the local Sentinel's
 * state is flushed to its config file (SENTINEL FLUSHCONFIG), it is stopped, their
 * `known-sentinel` lines are taken out, and it is started again on the same port with the same
 * id, replicas and epochs. Checked every `intervalMs`.
 */
export class PeerPruner {
  private timer: NodeJS.Timeout | undefined;
  private readonly runs = new Coalesced(() => this.tick());
  private readonly goneSince = new Map<string, number>();

  constructor(private readonly d: PeerPrunerDeps) {}

  start(): void {
    this.timer = setInterval(() => this.runs.trigger('periodic'), this.d.intervalMs ?? 2000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    const registered = await this.d.dir
      .listSentinels()
      .then((list) => list.map((m) => m.address))
      .catch(() => null);
    const views = (await Promise.all((await this.d.sets().catch(() => [])).map((name) => peerView(this.d.local, name, this.d.pool)))).filter(
      (v): v is PeerSetView => v !== null,
    );
    const now = Date.now();
    if (registered) {
      const isRegistered = new Set(registered.map(formatAddress));
      const missing = new Set(views.flatMap((v) => v.peers.map((p) => formatAddress(p.address))).filter((a) => !isRegistered.has(a)));
      for (const key of [...this.goneSince.keys()]) if (!missing.has(key)) this.goneSince.delete(key);
      for (const key of missing) if (!this.goneSince.has(key)) this.goneSince.set(key, now);
    }
    const decision = planForget({ sets: views, registered, goneSince: this.goneSince, now, graceMs: this.d.graceMs });
    if (decision.kind === 'keep') return;
    await this.forget(decision.peers, decision.reason);
  }

  private async forget(peers: readonly Address[], reason: string): Promise<void> {
    const { log, local, configFile } = this.d;
    await withSentinel(local, { timeoutMs: 2000 }, (r) => r.call('SENTINEL', 'FLUSHCONFIG'));
    const restarted = await this.d.task.restart(async () => {
      const text = await fs.readFile(configFile, 'utf8');
      await writePrivateFile(configFile, withoutKnownSentinels(text, peers));
    }, reason);
    if (!restarted) return;
    for (const p of peers) this.goneSince.delete(formatAddress(p));
    log.warn({ forgotten: peers.map(formatAddress), reason }, 'Sentinel restarted without dead sentinels');
  }
}
