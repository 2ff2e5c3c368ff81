import type { Directory, HistoryEvent } from '@redis-zk/core';
import { Counter, Gauge, type Registry } from 'prom-client';

/** A watcher's entry of a change Sentinel made may still be completed by whoever asked for it (the cause): counted once it has settled. */
const SETTLE_MS = 5000;

/**
 * Counts the changes of master recorded in ZooKeeper's history, by set and cause, from this
 * watcher's start on (entries made before are not counted). Every watcher counts every change,
 * whoever recorded it, so each one's counter tells the whole story. Only entries not seen before
 * are read.
 */
export class HistoryCounts {
  private readonly seen = new Map<string, Set<string>>();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly dir: Directory,
    private readonly sets: () => readonly string[],
    private readonly since = Date.now(),
  ) {}

  /** Reads what is new; returns count by `set\tcause`. ZooKeeper away: the counts as they were. */
  async refresh(now = Date.now()): Promise<ReadonlyMap<string, number>> {
    const names = new Set([...this.sets(), ...(await this.dir.listHistorySets().catch(() => []))]);
    await Promise.all(
      [...names].map(async (set) => {
        const nodes = await this.dir.listHistoryNodes(set).catch(() => null);
        if (!nodes) return;
        const seen = this.seen.get(set) ?? new Set<string>();
        this.seen.set(set, seen);
        await Promise.all(
          nodes
            .filter((n) => !seen.has(n))
            .map(async (node) => {
              const e: HistoryEvent | null = await this.dir.readHistoryEntry(set, node).catch(() => null);
              if (!e) return;
              if (e.at < this.since) {
                seen.add(node);
                return;
              }
              if (e.cause === 'sentinel-failover' && now - e.at < SETTLE_MS) return; // may yet become a switchover or a crash failover
              seen.add(node);
              const key = `${set}\t${e.cause}`;
              this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
            }),
        );
      }),
    );
    return this.counts;
  }
}

/** The history's counter and the view's staleness. */
export function registerHistoryMetrics(registry: Registry, o: { counts: HistoryCounts; staleSeconds: () => number }): void {
  new Counter({
    name: 'redis_zk_failovers_total',
    help:
      'Changes of master recorded in the history since this watcher started, by ' +
      'cause: sentinel-failover, crash-failover, switchover, recovery, election, fence',
    labelNames: ['set', 'cause'] as const,
    registers: [registry],
    async collect() {
      const counts = await o.counts.refresh();
      this.reset();
      for (const [key, n] of counts) {
        const [set = '', cause = ''] = key.split('\t');
        this.inc({ set, cause }, n);
      }
    },
  });
  new Gauge({
    name: 'redis_zk_view_stale_seconds',
    help:
      "How long the watcher's view of ZooKeeper (masters, sentinels) may be stale: 0 " +
      'while connected (watches keep it current), else seconds since the connection was lost',
    registers: [registry],
    collect() {
      this.set(o.staleSeconds());
    },
  });
}
