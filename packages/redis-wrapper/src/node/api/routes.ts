import Router from '@koa/router';
import Koa from 'koa';
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
 * The node's HTTP API (PORT1), a Koa app (its request listener: `app.callback()`), answered from
 * the node loop's last view, never from redis itself, so it stays fast while redis is busy:
 * - `/primary` 200 only for a writable master a Sentinel majority and ZooKeeper both name;
 * - `/replica[?lag=<bytes>]` 200 for a replica synced with the set's master (within the lag);
 * - `/readiness` Marathon's readiness check; `/health` redis answers; `/liveness` the loop runs;
 * - `/metrics` Prometheus.
 * Every other answer is a small JSON `{ "ok": …, "reason": … }`.
 */
export function nodeRoutes(inputs: RouteInputs): Koa {
  const fresh = (decide: (a: NodeAnswers) => Verdict): Verdict => {
    const { answers, ageMs } = inputs.answers();
    if (!answers) return no('no view yet (starting)');
    if (ageMs > inputs.maxViewAgeMs) return no(`view is ${Math.round(ageMs)} ms old (the node loop is behind, or the process was frozen)`);
    return decide(answers);
  };
  // Paths match exactly: no trailing slash, case as written. A GET route answers HEAD too.
  const router = new Router({ strict: true, sensitive: true });
  /** A route answering a check's verdict on the last answers: 200 if it passes, else 503. */
  const check = (path: string, verdict: (a: NodeAnswers) => Verdict) => router.get(path, (ctx) => answer(ctx, fresh(verdict)));
  check('/primary', (a) => a.primary);
  router.get('/replica', (ctx) => {
    const lag = new URLSearchParams(ctx.querystring).get('lag');
    if (lag !== null && !/^\d{1,15}$/.test(lag)) return reply(ctx, 400, JSON.stringify({ ok: false, reason: 'lag must be a whole number of bytes' }));
    const verdict = fresh((a) => withinLag(a.replica, a.replicaLag, lag === null ? undefined : Number(lag)));
    answer(ctx, verdict);
  });
  check('/readiness', (a) => a.readiness);
  check('/health', (a) => a.health);
  check('/liveness', () => ({ ok: true, reason: 'node loop running' }));
  router.get('/metrics', async (ctx) => {
    try {
      const m = await inputs.metrics();
      reply(ctx, 200, m.text, m.contentType);
    } catch {
      reply(ctx, 503, '{"ok":false,"reason":"metrics unavailable"}');
    }
  });

  const app = new Koa();
  app.use(screen);
  app.use(router.routes());
  app.use((ctx) => reply(ctx, 404, JSON.stringify({ ok: false, reason: `no route ${ctx.path}; try ${ROUTES}` })));
  return app;
}

/**
 * Before the router: any method but GET and HEAD, whatever the path, is a 405; a URL that does not
 * parse is a 400. The rest is routed by the path as the URL parser resolves it (`..`, `//`).
 */
const screen: Koa.Middleware = (ctx, next) => {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return reply(ctx, 405, JSON.stringify({ ok: false, reason: 'only GET' }));
  try {
    ctx.path = new URL(ctx.url, 'http://node').pathname;
  } catch {
    return reply(ctx, 400, JSON.stringify({ ok: false, reason: 'malformed URL' }));
  }
  return next();
};

const answer = (ctx: Koa.Context, v: Verdict) => reply(ctx, v.ok ? 200 : 503, JSON.stringify(v));

/** Every answer: its type, its length (Koa, from the body) and no keep-alive (a proxy's checks connect each time). */
function reply(ctx: Koa.Context, status: number, body: string, type = 'application/json'): void {
  ctx.status = status;
  ctx.set({ 'Content-Type': type, Connection: 'close' });
  ctx.body = body; // Koa sends no body for HEAD
}
