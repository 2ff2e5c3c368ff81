import type http from 'node:http';
import { no, type Verdict, withinLag } from '../verdict';
import type { NodeAnswers } from './answers';

export interface RouteInputs {
  /** The last answers (null before the node loop's first view) and their view's age now. */
  answers(): { answers: NodeAnswers | null; ageMs: number };
  /** A view older than this answers 503 everywhere: a frozen node resumed must not pass. */
  maxViewAgeMs: number;
  /** GET /metrics, from the main thread's registry. */
  metrics(): Promise<{ text: string; contentType: string }>;
}

const ROUTES = '/primary, /replica, /readiness, /health, /liveness, /metrics';

/**
 * The node's HTTP API (PORT1), answered from the node loop's last view, never from redis itself,
 * so it stays fast while redis is busy:
 * - `/primary` 200 only for a writable master a Sentinel majority and ZooKeeper both name;
 * - `/replica[?lag=<bytes>]` 200 for a replica synced with the set's master (within the lag);
 * - `/readiness` Marathon's readiness check; `/health` redis answers; `/liveness` the loop runs;
 * - `/metrics` Prometheus.
 * Every other answer is a small JSON `{ "ok": …, "reason": … }`.
 */
export function nodeRoutes(i: RouteInputs): http.RequestListener {
  const fresh = (check: (a: NodeAnswers) => Verdict): Verdict => {
    const { answers, ageMs } = i.answers();
    if (!answers) return no('no view yet (starting)');
    if (ageMs > i.maxViewAgeMs) return no(`view is ${Math.round(ageMs)} ms old (the node loop is behind, or the process was frozen)`);
    return check(answers);
  };
  const routes: Record<string, (q: URLSearchParams) => Verdict | null> = {
    '/primary': () => fresh((a) => a.primary),
    '/replica': (q) => {
      const lag = q.get('lag');
      if (lag !== null && !/^\d{1,15}$/.test(lag)) return null;
      return fresh((a) => withinLag(a.replica, a.replicaLag, lag === null ? undefined : Number(lag)));
    },
    '/readiness': () => fresh((a) => a.readiness),
    '/health': () => fresh((a) => a.health),
    '/liveness': () => fresh(() => ({ ok: true, reason: 'node loop running' })),
  };
  return (req, res) => {
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), connection: 'close' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, JSON.stringify({ ok: false, reason: 'only GET' }));
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://node');
    } catch {
      return send(400, JSON.stringify({ ok: false, reason: 'malformed URL' }));
    }
    if (url.pathname === '/metrics') {
      void i.metrics().then(
        (m) => send(200, m.text, m.contentType),
        () => send(503, '{"ok":false,"reason":"metrics unavailable"}'),
      );
      return;
    }
    const route = routes[url.pathname];
    if (!route) return send(404, JSON.stringify({ ok: false, reason: `no route ${url.pathname}; try ${ROUTES}` }));
    const verdict = route(url.searchParams);
    if (!verdict) return send(400, JSON.stringify({ ok: false, reason: 'lag must be a whole number of bytes' }));
    send(verdict.ok ? 200 : 503, JSON.stringify(verdict));
  };
}
