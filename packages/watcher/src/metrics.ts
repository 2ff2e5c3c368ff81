import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProblemKind, SetStatus } from '@redis-zk/core';
import { type ApiMetrics, countRequest } from './http/request-counts';

/** The watcher's Prometheus metrics (process, failovers, ZooKeeper, HTTP), on one registry of its own; per-set gauges join it below. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'redis_zk_watcher_' });
  const httpCounts = new Map<string, number>();
  new Counter({
    name: 'redis_zk_http_requests_total',
    help: 'HTTP requests served',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, n] of httpCounts) {
        const [method = '', route = '', status = ''] = key.split('\t');
        this.inc({ method, route, status }, n);
      }
    },
  });
  return {
    registry,
    failoversSeen: new Counter({
      name: 'redis_zk_failovers_seen_total',
      help: 'Failovers reported by Sentinel (+promoted-slave or +switch-master), each counted once',
      labelNames: ['set'] as const,
      registers: [registry],
    }),
    zkCorrections: new Counter({
      name: 'redis_zk_zookeeper_corrections_total',
      help: 'Writes of masters/<name> that changed it (events and reconciles)',
      labelNames: ['set', 'source'] as const,
      registers: [registry],
    }),
    sentinelsKnown: new Gauge({ name: 'redis_zk_sentinels_known', help: 'Sentinels registered in ZooKeeper', registers: [registry] }),
    zkConnected: new Gauge({ name: 'redis_zk_zookeeper_connected', help: '1 when connected to ZooKeeper', registers: [registry] }),
    /** HTTP requests served by `method\troute\tstatus`: counted where the API runs, read when scraped. */
    httpCounts,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

const KINDS: readonly ProblemKind[] = ['no-live-master', 'failover-stuck', 'orphaned-replica', 'replica-unknown-to-sentinel'];

/** One gauge per set (or per replica), set from the status when scraped. */
function perSet<L extends string>(
  registry: Registry,
  current: () => Promise<Record<string, SetStatus>>,
  name: string,
  help: string,
  labelNames: readonly L[],
  values: (set: string, s: SetStatus) => Array<[Partial<Record<L, string>>, number]>,
): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [set, s] of Object.entries(await current())) for (const [labels, v] of values(set, s)) this.set(labels, v);
    },
  });
}

/**
 * Per-set gauges, gathered when scraped (the same facts as /status, reused for up to `cacheMs`
 * so that two scrapers, and the gauges of one scrape, do not multiply the probing).
 */
export function registerSetGauges(registry: Registry, status: () => Promise<Record<string, SetStatus>>, cacheMs = 2000): void {
  let cached: { at: number; value: Promise<Record<string, SetStatus>> } | undefined;
  const current = () => {
    if (!cached || Date.now() - cached.at > cacheMs) cached = { at: Date.now(), value: status().catch(() => ({})) };
    return cached.value;
  };
  /** A gauge with one value per set (none where `value` gives null). */
  const perSetValue = (name: string, help: string, value: (s: SetStatus) => number | null) =>
    perSet(registry, current, name, help, ['set'] as const, (set, s) => {
      const v = value(s);
      return v === null ? [] : [[{ set }, v]];
    });
  perSetValue('redis_zk_set_master_up', "1 when ZooKeeper's master of the set answers as master", (s) => (s.masterReachable ? 1 : 0));
  perSet(
    registry,
    current,
    'redis_zk_set_problems',
    'Problems of the set by kind (see /status): no-live-master, failover-stuck, orphaned-replica, replica-unknown-to-sentinel',
    ['set', 'kind'] as const,
    (name, s) => KINDS.map((kind) => [{ set: name, kind }, s.problems.filter((p) => p.kind === kind).length]),
  );
  perSetValue('redis_zk_set_replicas', 'Replicas of the set the sentinels know', (s) => s.replicas.length);
  perSetValue(
    'redis_zk_set_replicas_in_sync',
    'Replicas of the set with their link to the master up',
    (s) => s.replicas.filter((r) => r.linkStatus === 'up').length,
  );
  perSet(
    registry,
    current,
    'redis_zk_replica_lag_bytes',
    "How far a replica is behind its master's replication offset (bytes, as Sentinel last read it)",
    ['set', 'replica'] as const,
    (name, s) =>
      s.replicas.flatMap(
        (r): Array<[Record<string, string>, number]> => (r.lag === null ? [] : [[{ set: name, replica: `${r.address.host}:${r.address.port}` }, r.lag]]),
      ),
  );
  perSetValue('redis_zk_set_sentinels', 'Sentinels registered in ZooKeeper (asked about the set)', (s) => s.sentinels.length);
  perSetValue('redis_zk_set_sentinels_reachable', 'Registered sentinels that answer', (s) => s.sentinels.filter((x) => x.reachable).length);
  perSetValue('redis_zk_set_sentinels_agreeing', "Sentinels that name ZooKeeper's master of the set", (s) => s.sentinelsAgreeing);
  perSetValue('redis_zk_set_sentinel_quorum', "The set's Sentinel quorum (sentinels that must agree the master is down)", (s) => s.sentinelQuorum);
  perSetValue('redis_zk_set_paused', '1 while the set is paused (maintenance mode, redis-zk pause): nothing fails it over', (s) => (s.paused ? 1 : 0));
  perSetValue('redis_zk_set_paused_seconds', 'How long the set has been paused (0 when it is not)', (s) => s.paused?.forSeconds ?? 0);
  perSetValue('redis_zk_set_failover_in_progress', '1 while a sentinel is failing the set over', (s) => (s.failoverInProgress ? 1 : 0));
  perSetValue(
    'redis_zk_last_failover_duration_seconds',
    "Write outage of the set's last failover or switchover, as its recorder measured it (the history's outageBasis: from the death, from the master's last answer, the write pause, or masterless time)",
    (s) => (s.lastFailover?.durationMs === undefined ? null : s.lastFailover.durationMs / 1000),
  );
  perSetValue(
    'redis_zk_last_failover_offset_gap_bytes',
    "Bytes the old master had beyond the promoted node's offset at the set's last failover (possibly lost; against the old master's last known offset)",
    (s) => s.lastFailover?.offsetGapBytes ?? null,
  );
  perSetValue('redis_zk_last_failover_timestamp_seconds', "When the set's last failover or switchover happened (Unix time)", (s) =>
    s.lastFailover ? Date.parse(s.lastFailover.at) / 1000 : null,
  );
}

/** The API's metrics when it runs beside the registry (tests; the main thread answering the API thread). */
export function localApiMetrics(m: Metrics): ApiMetrics {
  return {
    count: (method, route, status) => countRequest(m.httpCounts, method, route, status),
    text: async () => ({ text: await m.registry.metrics(), contentType: m.registry.contentType }),
  };
}
