import {
  type Address,
  askSentinels,
  Coalesced,
  type Directory,
  isLiveMaster,
  type Logger,
  monitoredNames,
  probeRedis,
  type RedisPool,
  sentinelConsensus,
} from '@redis-zk/core';
import { decideOnReconcile } from './decide-write';
import type { MasterWriter } from './master-writer';

export interface ReconcilerDeps {
  dir: Directory;
  sentinels: () => readonly Address[];
  writer: MasterWriter;
  /** The watcher's long-lived connections (one per server, whatever the number of sets). */
  pool?: RedisPool;
  intervalMs: number;
  log: Logger;
}

const TIMEOUT_MS = 1000;

/**
 * Pub/sub is fire-and-forget, so the watcher also asks: for every set ZooKeeper or any sentinel
 * knows, what the sentinels agree on, and corrects ZooKeeper where decideOnReconcile allows.
 * Triggered at start, after every (re)subscription and ZooKeeper reconnect, and periodically.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private readonly runs = new Coalesced((reason) => this.run(reason));

  constructor(private readonly d: ReconcilerDeps) {}

  start(): void {
    this.timer = setInterval(() => this.trigger('periodic'), this.d.intervalMs);
    this.trigger('start');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  trigger(reason: string): void {
    this.runs.trigger(reason);
  }

  private async run(reason: string): Promise<void> {
    const { dir, log } = this.d;
    const sentinels = this.d.sentinels();
    try {
      const [inZk, ...monitored] = await Promise.all([dir.listMasterNames(), ...sentinels.map((s) => monitoredNames(s, TIMEOUT_MS, this.d.pool))]);
      const names = new Set([...inZk, ...monitored.flat()]);
      await Promise.all(
        [...names].map(async (name) => {
          const consensus = sentinelConsensus(await askSentinels(sentinels, name, { timeoutMs: TIMEOUT_MS, pool: this.d.pool }));
          const live = consensus.master ? isLiveMaster(await probeRedis(consensus.master, { timeoutMs: TIMEOUT_MS, pool: this.d.pool })) : false;
          await this.d.writer.apply(name, (reg) => decideOnReconcile(reg, consensus, live), 'reconcile');
        }),
      );
    } catch (err) {
      log.warn({ err: String(err), trigger: reason }, 'reconcile failed; will retry');
    }
  }
}
