import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { type Address, formatAddress, type Logger } from '@redis-zk/core';
import { Counter, Gauge, Registry } from 'prom-client';
import type { NodeCounters } from './counters';
import { primary, readiness, replica, type Verdict } from './health';
import type { TakenView } from './role-loop';

export interface NodeApiInputs {
  listen: Address;
  /** The node loop's last view (undefined before its first tick). */
  view: () => TakenView | undefined;
  counters: NodeCounters;
  /** A view older than this answers 503 everywhere but /liveness: a frozen node resumed must not pass. */
  maxViewAgeMs: number;
  log: Logger;
}

/**
 * The node's HTTP API (PORT1), answered from the node loop's last view, never from redis itself,
 * so it stays fast while redis is busy:
 * - `/primary` 200 only for a writable master a Sentinel majority and ZooKeeper both name;
 * - `/replica[?lag=<bytes>]` 200 for a replica synced with the set's master (within the lag);
 * - `/readiness` Marathon's readiness check; `/health` redis answers; `/liveness` the loop runs;
 * - `/metrics` Prometheus.
 * Every answer is a small JSON `{ "ok": …, "reason": … }`.
 */
export interface NodeApi {
  close(): void;
}

/**
 * Also on loopback when bound to one address, as redis and Sentinel are (bindLine): Mesos runs a
 * MESOS_HTTP health check against 127.0.0.1 inside the task's network, Marathon's readiness
 * check against the agent's address.
 */
export const apiHosts = (host: string): string[] => (['127.0.0.1', '::1', '0.0.0.0', '::'].includes(host) ? [host] : [host, '127.0.0.1']);

export async function startNodeApi(i: NodeApiInputs): Promise<NodeApi> {
  const metrics = nodeMetrics(i);
  const fresh = (check: (v: TakenView) => Verdict): Verdict => {
    const v = i.view();
    if (!v) return { ok: false, reason: 'no view yet (starting)' };
    const age = performance.now() - v.takenAt;
    if (age > i.maxViewAgeMs) return { ok: false, reason: `view is ${Math.round(age)} ms old (the node loop is behind, or the process was frozen)` };
    if (v.local || !v.slowLocal) return check(v);
    const verdict = check({ ...v, local: v.slowLocal.state });
    return { ok: verdict.ok, reason: `${verdict.reason} (redis-server slow to answer: its last answer ${v.slowLocal.agoMs} ms ago)` };
  };
  const routes: Record<string, (q: URLSearchParams) => Verdict | null> = {
    '/primary': () => fresh(primary),
    '/replica': (q) => {
      const lag = q.get('lag');
      if (lag !== null && !/^\d{1,15}$/.test(lag)) return null;
      return fresh((v) => replica(v, lag === null ? undefined : Number(lag)));
    },
    '/readiness': () => fresh(readiness),
    '/health': () =>
      fresh((v) => (v.local ? { ok: true, reason: `redis-server answers as ${v.local.role}` } : { ok: false, reason: 'redis-server does not answer' })),
    '/liveness': () => fresh(() => ({ ok: true, reason: 'node loop running' })),
  };
  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://node');
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), connection: 'close' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, JSON.stringify({ ok: false, reason: 'only GET' }));
    if (url.pathname === '/metrics') {
      void metrics.metrics().then(
        (text) => send(200, text, metrics.contentType),
        () => send(503, '{"ok":false,"reason":"metrics unavailable"}'),
      );
      return;
    }
    const route = routes[url.pathname];
    if (!route)
      return send(404, JSON.stringify({ ok: false, reason: `no route ${url.pathname}; try /primary, /replica, /readiness, /health, /liveness, /metrics` }));
    const verdict = route(url.searchParams);
    if (!verdict) return send(400, JSON.stringify({ ok: false, reason: 'lag must be a whole number of bytes' }));
    send(verdict.ok ? 200 : 503, JSON.stringify(verdict));
  };
  const servers: http.Server[] = [];
  const close = () => {
    for (const s of servers) s.close();
  };
  try {
    for (const host of apiHosts(i.listen.host)) servers.push(await listen(handler, { host, port: i.listen.port }, i.log));
  } catch (err) {
    close();
    throw err;
  }
  return { close };
}

function listen(handler: http.RequestListener, at: Address, log: Logger): Promise<http.Server> {
  const server = http.createServer({ maxHeaderSize: 8192, requestTimeout: 5000, headersTimeout: 5000 }, handler);
  server.on('clientError', (_err, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`node API cannot listen on ${formatAddress(at)}: ${err.message}`)));
    server.listen(at.port, at.host, () => {
      log.info({ address: formatAddress(at) }, 'node API listening');
      resolve(server);
    });
  });
}

/** The node API's metrics (exported for the monitoring test: every metric the rules use exists). */
export function nodeMetrics(i: NodeApiInputs): Registry {
  const registry = new Registry();
  const counted = (name: string, help: string, value: (c: NodeCounters) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(value(i.counters));
      },
    });
  counted('redis_zk_node_repoints_total', "Times this replica was re-pointed to the set's master by the node loop", (c) => c.repoints);
  counted('redis_zk_node_fences_total', 'Times this node, a stale master, demoted itself', (c) => c.fences);
  counted('redis_zk_node_recovery_attempts_total', 'Recoveries of a set Sentinel left without a master, attempted', (c) => c.recoveryAttempts);
  counted('redis_zk_node_write_pauses_total', 'Times this master paused its writes, cut off from ZooKeeper and a Sentinel majority', (c) => c.writePauses);
  counted('redis_zk_node_recoveries_total', 'Recoveries in which this node became the master', (c) => c.recoveries);
  const gauge = (name: string, help: string, value: (v: TakenView) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const v = i.view();
        if (v) this.set(value(v));
      },
    });
  gauge('redis_zk_node_is_master', '1 while the local redis-server is a master', (v) => (v.local?.role === 'master' ? 1 : 0));
  gauge('redis_zk_node_link_up', "1 while this replica's link to its master is up (1 for a master)", (v) =>
    v.local?.role === 'master' || v.local?.linkUp ? 1 : 0,
  );
  gauge('redis_zk_node_masterless_seconds', 'How long this node has known no live master of its set', (v) => v.masterlessForMs / 1000);
  gauge('redis_zk_node_ready', '1 while /readiness passes', (v) => (readiness(v).ok ? 1 : 0));
  return registry;
}
