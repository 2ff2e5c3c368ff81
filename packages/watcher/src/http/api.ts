import type http from 'node:http';
import Router from '@koa/router';
import type { Address, Logger } from '@redis-zk/core';
// Core's address module, not its index: the API thread's bundle stays without the clients.
import { hostPort } from '@redis-zk/core/thread';
import Koa from 'koa';
import type { Health, Verdict, WatcherView } from '../view';
import { type Answer, type ApiState, headersOf, json, send } from './answer';
import { notLoaded, readiness } from './probes';
import type { ApiMetrics } from './request-counts';
import { screen } from './screen';

/** The set clients get from `GET /master`: Sentinel's conventional default name. */
const DEFAULT_SET = 'mymaster';
/** What every route accepts (HEAD: the same answer without its body). */
const ALLOW = 'GET, HEAD';

const verdict = (v: Verdict): Answer => json(v.ok ? 200 : 503, { status: v.ok ? 'ok' : 'unavailable', reason: v.reason });
const UNAVAILABLE = json(503, { error: 'temporarily unavailable' });
const NOT_FOUND = json(404, { error: 'not found' });
const METHOD_NOT_ALLOWED = json(405, { error: 'method not allowed' });
const NOT_LOADED = json(503, notLoaded);
const NO_SENTINEL = json(503, { error: 'no sentinel registered in ZooKeeper (yet): ask again shortly' });

/**
 * The watcher's read-only HTTP API: a Koa app, routes over the in-memory view, GET and HEAD only,
 * served through the request listener returned. Whatever goes wrong inside is a JSON 503, never a
 * 500, and never takes the process down. `GET /sentinels`, what every client asks often, answers
 * bytes serialized once per change of the list (the list is replaced, never mutated, on a change),
 * and a plain `GET /sentinels` is answered before Koa (discoveryFirst).
 */
export function createApi(view: WatcherView, metrics: ApiMetrics, log: Logger): http.RequestListener {
  // Paths match exactly: no trailing slash, case as written.
  const router = new Router<ApiState>({ strict: true, sensitive: true });
  /** A GET route (HEAD too), and a 405 with Allow for any other method on its path. */
  const route = (pattern: string, answer: (name: string) => Answer | Promise<Answer>) => {
    router.get(pattern, async (ctx) => {
      ctx.state.route = pattern;
      send(ctx, await answer(ctx.params.name ?? ''));
    });
    router.all(pattern, (ctx) => {
      ctx.state.route = pattern;
      ctx.set('Allow', ALLOW);
      send(ctx, METHOD_NOT_ALLOWED);
    });
  };

  let sentinelsFor: readonly Address[] | undefined;
  let sentinels = NOT_LOADED;
  const sentinelsAnswer = (): Answer => {
    if (!view.freshness().sentinelsLoaded) return NOT_LOADED;
    const list = view.sentinels();
    // Never an empty list: a client would take it for the truth and have nowhere to go (a fresh
    // watcher's first read while the sentinels re-register after a ZooKeeper outage is empty).
    if (list.length === 0) return NO_SENTINEL;
    // Plain host+port objects: the list can be passed as ioredis's `sentinels` option as is.
    if (list !== sentinelsFor) {
      sentinels = json(200, list.map(hostPort));
      sentinelsFor = list;
    }
    return sentinels;
  };
  route('/sentinels', sentinelsAnswer);
  // Discovery answers from the view once it was loaded from ZooKeeper (then through any outage,
  // as last read); before that a 503, never an empty list a client would take for the truth.
  const masters = (answer: () => Answer): Answer => (view.freshness().mastersLoaded ? answer() : NOT_LOADED);
  const master = (name: string) =>
    masters(() => {
      const address = view.masters().get(name);
      return address ? json(200, hostPort(address)) : json(404, { error: `no master registered for set ${JSON.stringify(name)}` });
    });
  route('/masters', () => masters(() => json(200, Object.fromEntries([...view.masters()].map(([name, a]) => [name, hostPort(a)])))));
  route('/masters/:name', master);
  route('/master', () => master(DEFAULT_SET));
  // Marathon's health check: the process answers (never ZooKeeper's or Sentinel's state).
  route('/liveness', () => verdict(view.liveness()));
  // Marathon's readiness check: something true to serve.
  route('/readiness', () => verdict(readiness(view.freshness(), view.health())));
  route('/status', async () => json(200, await view.status()));
  route('/history/:name', async (name) => {
    const history = await view.history(name);
    return history ? json(200, history) : json(404, { error: `no history and no master for set ${JSON.stringify(name)}` });
  });
  route('/health', () => healthAnswer(view.health()));
  route('/metrics', async () => {
    const m = await metrics.text();
    return { status: 200, body: Buffer.from(m.text), type: m.contentType };
  });

  const app = new Koa<ApiState>();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      log.warn({ err, method: ctx.method, url: ctx.url, reason: 'the view failed to answer' }, 'HTTP request failed');
      send(ctx, UNAVAILABLE);
    }
    metrics.count(ctx.method, ctx.state.route ?? 'unmatched', ctx.status);
  });
  app.use(screen);
  app.use(router.routes());
  app.use((ctx) => send(ctx, NOT_FOUND));
  // Only what fails outside the middleware reaches here (a client gone mid-answer); listening also
  // keeps Koa from printing it to stderr.
  app.on('error', (err: unknown) => log.debug({ err }, 'HTTP answer failed'));
  return discoveryFirst(app.callback(), sentinelsAnswer, metrics);
}

/**
 * A plain `GET /sentinels` (or HEAD; no query, no body) answered before Koa, with the same bytes
 * and headers as its route: Koa's per-request context and @koa/router's matching more than
 * halved discovery's throughput (0.44x a bare node:http server, against 0.88x before Koa; the
 * goal is 0.8x). Anything else, and anything that throws here, goes through the app.
 */
function discoveryFirst(app: http.RequestListener, answer: () => Answer, metrics: ApiMetrics): http.RequestListener {
  return (req, res) => {
    const method = req.method;
    if (req.url !== '/sentinels' || (method !== 'GET' && method !== 'HEAD') || req.headers['content-length'] || req.headers['transfer-encoding']) {
      app(req, res);
      return;
    }
    let a: Answer;
    try {
      a = answer();
    } catch {
      app(req, res);
      return;
    }
    res.writeHead(a.status, { ...headersOf(a), 'Content-Length': a.body.length });
    res.end(method === 'HEAD' ? undefined : a.body);
    metrics.count(method, '/sentinels', a.status);
  };
}

/** ZooKeeper connected and a sentinel followed: 200, else 503 with the reasons. */
function healthAnswer(h: Health): Answer {
  const following = h.following && hostPort(h.following);
  return h.ok
    ? json(200, { status: 'ok', zookeeper: h.zookeeper, following })
    : json(503, { status: 'unhealthy', reasons: h.reasons, zookeeper: h.zookeeper, following });
}
