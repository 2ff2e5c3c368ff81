import Koa from 'koa';
import Router from '@koa/router';
import type { Logger } from '@redis-zk/core';
import { hostPort } from '@redis-zk/core/dist/address'; // not the index: see server.ts
import type { ApiMetrics } from '../metrics';
import type { Verdict, WatcherView } from '../state';
import { notLoaded, readiness } from './probes';

/** Larger announced bodies are refused outright; every route is GET-only, so none is ever read. */
const MAX_BODY_BYTES = 64 * 1024;
/** The set clients get from `GET /master`: Sentinel's conventional default name. */
const DEFAULT_SET = 'mymaster';

interface ApiState {
  /** The route pattern that answered (the `route` label of the request counter). */
  route?: string;
}
type Ctx = Koa.ParameterizedContext<ApiState>;

/**
 * The watcher's read-only HTTP API. It only reads the in-memory view, so it stays cheap under
 * load; whatever goes wrong is answered as JSON (never a 500) and never takes the process down.
 */
export function createApp(view: WatcherView, metrics: ApiMetrics, log: Logger): Koa {
  const app = new Koa<ApiState>();
  const router = new Router<ApiState>();
  const get = (pattern: string, handler: (ctx: Ctx & { params: Record<string, string> }) => unknown) =>
    router.get(pattern, async (ctx) => {
      ctx.state.route = pattern;
      await handler(ctx);
    });

  // Discovery answers from the view once it was loaded from ZooKeeper (then through any outage,
  // as last read); before that a 503, never an empty list a client would take for the truth.
  const discovery = (pattern: string, part: 'sentinelsLoaded' | 'mastersLoaded', handler: (ctx: Ctx & { params: Record<string, string> }) => void) =>
    get(pattern, (ctx) => (view.freshness()[part] ? handler(ctx) : json(ctx, 503, notLoaded)));
  // Plain host+port objects: the list can be passed as ioredis's `sentinels` option as is.
  discovery('/sentinels', 'sentinelsLoaded', (ctx) => json(ctx, 200, view.sentinels().map(hostPort)));
  discovery('/masters', 'mastersLoaded', (ctx) => json(ctx, 200, Object.fromEntries([...view.masters()].map(([name, a]) => [name, hostPort(a)]))));
  discovery('/masters/:name', 'mastersLoaded', (ctx) => master(ctx, ctx.params.name ?? ''));
  discovery('/master', 'mastersLoaded', (ctx) => master(ctx, DEFAULT_SET));
  // Marathon's health check: the process answers (never ZooKeeper's or Sentinel's state).
  get('/liveness', (ctx) => verdict(ctx, view.liveness()));
  // Marathon's readiness check: something true to serve.
  get('/readiness', (ctx) => verdict(ctx, readiness(view.freshness(), view.health())));
  get('/status', async (ctx) => json(ctx, 200, await view.status()));
  get('/history/:name', async (ctx) => {
    const history = await view.history(ctx.params.name ?? '');
    if (history) json(ctx, 200, history);
    else json(ctx, 404, { error: `no history and no master for set ${JSON.stringify(ctx.params.name)}` });
  });
  get('/health', (ctx) => {
    const h = view.health();
    const following = h.following && hostPort(h.following);
    if (h.ok) json(ctx, 200, { status: 'ok', zookeeper: h.zookeeper, following });
    else json(ctx, 503, { status: 'unhealthy', reasons: h.reasons, zookeeper: h.zookeeper, following });
  });
  get('/metrics', async (ctx) => {
    const text = await metrics.text();
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Type', metrics.contentType);
    ctx.body = text;
  });

  function verdict(ctx: Ctx, v: Verdict): void {
    json(ctx, v.ok ? 200 : 503, { status: v.ok ? 'ok' : 'unavailable', reason: v.reason });
  }

  function master(ctx: Ctx, name: string): void {
    const address = view.masters().get(name);
    if (address) json(ctx, 200, hostPort(address));
    else json(ctx, 404, { error: `no master registered for set ${JSON.stringify(name)}` });
  }

  app.use(guard(metrics, log));
  app.use(screen);
  app.use(router.routes());
  app.use(fallback(router));
  // Only failures outside the middleware chain land here: with a context, a client that went away
  // mid-response (routine); without one, the listening server itself (see listen()). Listening
  // also keeps Koa's default handler from printing them to stderr.
  app.on('error', (err: unknown, ctx?: Koa.Context) => {
    if (ctx) log.debug({ err, url: ctx.url }, 'HTTP response failed');
    else log.error({ err }, 'HTTP server error');
  });
  return app;
}

/**
 * Outermost: turns any error into a JSON 503 (the view's status() can reject, e.g. a sentinel
 * that did not answer in time; that is a passing condition, not a server bug) and counts every
 * request, whatever the outcome.
 */
function guard(metrics: ApiMetrics, log: Logger): Koa.Middleware<ApiState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      log.warn({ err, method: ctx.method, url: ctx.url }, 'HTTP request failed');
      // Drop whatever the handler had set (a text Content-Type, say) before answering.
      for (const name of ctx.res.getHeaderNames()) ctx.res.removeHeader(name);
      json(ctx, 503, { error: 'temporarily unavailable' });
    }
    metrics.httpRequests.inc({ method: ctx.method, route: ctx.state.route ?? 'unmatched', status: String(ctx.status) });
  };
}

/** Refuses what the routes must not see: bodies too large to bother with, undecodable paths. */
const screen: Koa.Middleware<ApiState> = async (ctx, next) => {
  const length = ctx.request.length; // undefined without Content-Length
  if (length !== undefined && length > MAX_BODY_BYTES) {
    // Closing, rather than keeping the connection, spares the server draining the whole body.
    ctx.set('Connection', 'close');
    return json(ctx, 413, { error: `request body too large (limit ${MAX_BODY_BYTES} bytes)` });
  }
  // A chunked body has no announced size: it is ignored like any other, but the connection is
  // not kept, so a client cannot make the server drain an endless stream.
  if (ctx.get('Transfer-Encoding')) ctx.set('Connection', 'close');
  // The router decodes parameters leniently (it passes undecodable text through); a bad
  // percent-encoding is the client's mistake and gets a 400 instead of a misleading 404.
  try {
    decodeURIComponent(ctx.path);
  } catch {
    return json(ctx, 400, { error: 'malformed URL' });
  }
  await next();
};

/**
 * After the router, for requests no route answered: 405 with an Allow header when the path is
 * known (instead of router.allowedMethods(), which answers with an empty body, and 501 for
 * methods it does not know), 404 otherwise; JSON either way.
 */
function fallback(router: Router<ApiState>): Koa.Middleware<ApiState> {
  return (ctx) => {
    const layers = router.match(ctx.path, ctx.method).path.filter((layer) => layer.methods.length > 0);
    const first = layers[0];
    if (!first) return json(ctx, 404, { error: 'not found' });
    ctx.state.route = String(first.path);
    ctx.set('Allow', [...new Set(layers.flatMap((layer) => layer.methods))].join(', '));
    json(ctx, 405, { error: 'method not allowed' });
  };
}

/** Serialized here, not by Koa after the chain, so that a value that cannot be serialized is still caught by guard(). */
function json(ctx: Ctx, status: number, body: unknown): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/json';
  ctx.body = JSON.stringify(body);
}
