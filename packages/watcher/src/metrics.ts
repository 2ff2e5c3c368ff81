import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProblemKind } from './problems';
import type { SetStatus } from './state';

/** The watcher's own Prometheus metrics (process, failovers, ZooKeeper), on their own registry. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'redis_zk_watcher_' });
  return {
    registry,
    failoversSeen: new Counter({ name: 'redis_zk_failovers_seen_total', help: 'Failovers reported by Sentinel (+promoted-slave or +switch-master), each counted once', labelNames: ['set'] as const, registers: [registry] }),
    zkCorrections: new Counter({ name: 'redis_zk_zookeeper_corrections_total', help: 'Writes of masters/<name> that changed it (events and reconciles)', labelNames: ['set', 'source'] as const, registers: [registry] }),
    sentinelsKnown: new Gauge({ name: 'redis_zk_sentinels_known', help: 'Sentinels registered in ZooKeeper', registers: [registry] }),
    zkConnected: new Gauge({ name: 'redis_zk_zookeeper_connected', help: '1 when connected to ZooKeeper', registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

const KINDS: readonly ProblemKind[] = ['no-live-master', 'failover-stuck', 'orphaned-replica', 'replica-unknown-to-sentinel'];

/**
 * Per-set gauges, gathered when scraped (the same facts as /status, reused for up to `cacheMs`
 * so that two scrapers do not double the probing).
 */
export function registerSetGauges(registry: Registry, status: () => Promise<Record<string, SetStatus>>, cacheMs = 2000): void {
  let cached: { at: number; value: Promise<Record<string, SetStatus>> } | undefined;
  const current = () => {
    if (!cached || Date.now() - cached.at > cacheMs) cached = { at: Date.now(), value: status().catch(() => ({})) };
    return cached.value;
  };
  new Gauge({
    name: 'redis_zk_set_master_up', help: '1 when ZooKeeper\'s master of the set answers as master', labelNames: ['set'] as const, registers: [registry],
    async collect() {
      this.reset();
      for (const [set, s] of Object.entries(await current())) this.set({ set }, s.masterReachable ? 1 : 0);
    },
  });
  new Gauge({
    name: 'redis_zk_set_problems', help: 'Problems of the set by kind (see /status): no-live-master, failover-stuck, orphaned-replica, replica-unknown-to-sentinel', labelNames: ['set', 'kind'] as const, registers: [registry],
    async collect() {
      this.reset();
      for (const [set, s] of Object.entries(await current())) {
        for (const kind of KINDS) this.set({ set, kind }, s.problems.filter((p) => p.kind === kind).length);
      }
    },
  });
}

/**
 * What the HTTP API counts, and how it answers GET /metrics: its own request counter followed by
 * `others` (the rest of the watcher's metrics, which live on the main thread).
 */
export function createApiMetrics(others: () => Promise<string> = async () => '') {
  const own = new Registry();
  const httpRequests = new Counter({ name: 'redis_zk_http_requests_total', help: 'HTTP requests served', labelNames: ['method', 'route', 'status'] as const, registers: [own] });
  return {
    httpRequests,
    contentType: own.contentType,
    text: async (): Promise<string> => (await others()) + (await own.metrics()),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
