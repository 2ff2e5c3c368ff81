import type http from 'node:http';
import type { Address, Logger } from '@redis-zk/core';
// Core's address module, not its index: the API thread's bundle stays without the clients.
import { hostPort } from '@redis-zk/core/thread';
import type { Health, Verdict, WatcherView } from '../view';
import { notLoaded, readiness } from './probes';
import type { ApiMetrics } from './request-counts';

/** Larger announced bodies are refused outright; every route is GET-only, so none is ever read. */
const MAX_BODY_BYTES = 64 * 1024;
/** The set clients get from `GET /master`: Sentinel's conventional default name. */
const DEFAULT_SET = 'mymaster';
const JSON_TYPE = 'application/json; charset=utf-8';
/** What every route accepts (HEAD: the same answer without its body). */
const ALLOW = 'GET, HEAD';

interface Answer {
  readonly status: number;
  readonly body: Buffer;
  readonly type?: string;
}
type Route = (param: string) => Answer | Promise<Answer>;

const json = (status: number, value: unknown): Answer => ({ status, body: Buffer.from(JSON.stringify(value)) });
const verdict = (v: Verdict): Answer => json(v.ok ? 200 : 503, { status: v.ok ? 'ok' : 'unavailable', reason: v.reason });
const UNAVAILABLE = json(503, { error: 'temporarily unavailable' });
const NOT_FOUND = json(404, { error: 'not found' });
const METHOD_NOT_ALLOWED = json(405, { error: 'method not allowed' });
const MALFORMED_URL = json(400, { error: 'malformed URL' });
const TOO_LARGE = json(413, { error: `request body too large (limit ${MAX_BODY_BYTES} bytes)` });
const NOT_LOADED = json(503, notLoaded);
const NO_SENTINEL = json(503, { error: 'no sentinel registered in ZooKeeper (yet): ask again shortly' });

/**
 * The watcher's read-only HTTP API as one request listener for node:http: a route table over the
 * in-memory view (GET and HEAD only). Whatever goes wrong inside is a JSON 503, never a 500, and
 * never takes the process down. `GET /sentinels`, what every client asks often, answers bytes
 * serialized once per change of the list (the list is replaced, never mutated, on a change).
 */
export function createApi(view: WatcherView, metrics: ApiMetrics, log: Logger): http.RequestListener {
  let sentinelsFor: readonly Address[] | undefined;
  let sentinels = NOT_LOADED;
  // Discovery answers from the view once it was loaded from ZooKeeper (then through any outage,
  // as last read); before that a 503, never an empty list a client would take for the truth.
  const masters = (answer: () => Answer): Answer => (view.freshness().mastersLoaded ? answer() : NOT_LOADED);
  const master = (name: string) =>
    masters(() => {
      const address = view.masters().get(name);
      return address ? json(200, hostPort(address)) : json(404, { error: `no master registered for set ${JSON.stringify(name)}` });
    });

  /** Exact paths; `pattern/:name` routes are looked up by their first segment (see match). */
  const routes = new Map<string, Route>([
    [
      '/sentinels',
      () => {
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
      },
    ],
    ['/masters', () => masters(() => json(200, Object.fromEntries([...view.masters()].map(([name, a]) => [name, hostPort(a)]))))],
    ['/masters/:name', master],
    ['/master', () => master(DEFAULT_SET)],
    // Marathon's health check: the process answers (never ZooKeeper's or Sentinel's state).
    ['/liveness', () => verdict(view.liveness())],
    // Marathon's readiness check: something true to serve.
    ['/readiness', () => verdict(readiness(view.freshness(), view.health()))],
    ['/status', async () => json(200, await view.status())],
    [
      '/history/:name',
      async (name) => {
        const history = await view.history(name);
        return history ? json(200, history) : json(404, { error: `no history and no master for set ${JSON.stringify(name)}` });
      },
    ],
    ['/health', () => healthAnswer(view.health())],
    [
      '/metrics',
      async () => {
        const m = await metrics.text();
        return { status: 200, body: Buffer.from(m.text), type: m.contentType };
      },
    ],
  ]);

  const send = (res: http.ServerResponse, method: string, route: string, a: Answer) => {
    res.writeHead(a.status, { 'Content-Type': a.type ?? JSON_TYPE, 'Content-Length': a.body.length, 'Cache-Control': 'no-store' });
    res.end(a.body); // Node sends no body for HEAD
    metrics.count(method, route, a.status);
  };

  return (req, res) => {
    const method = req.method ?? 'GET';
    let route = 'unmatched';
    const failed = (err: unknown) => {
      log.warn({ err, method, url: req.url, reason: 'the view failed to answer' }, 'HTTP request failed');
      if (!res.headersSent) send(res, method, route, UNAVAILABLE);
    };
    try {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const screened = screen(req, res, path);
      if (screened) return send(res, method, route, screened);
      const m = match(routes, path);
      if (!m) return send(res, method, route, NOT_FOUND);
      route = m.pattern;
      if (method !== 'GET' && method !== 'HEAD') {
        res.setHeader('Allow', ALLOW);
        return send(res, method, route, METHOD_NOT_ALLOWED);
      }
      const answer = m.route(m.param);
      if (answer instanceof Promise) answer.then((a) => send(res, method, route, a), failed);
      else send(res, method, route, answer);
    } catch (err) {
      failed(err);
    }
  };
}

/** ZooKeeper connected and a sentinel followed: 200, else 503 with the reasons. */
function healthAnswer(h: Health): Answer {
  const following = h.following && hostPort(h.following);
  return h.ok
    ? json(200, { status: 'ok', zookeeper: h.zookeeper, following })
    : json(503, { status: 'unhealthy', reasons: h.reasons, zookeeper: h.zookeeper, following });
}

/** Refuses what the routes must not see (an answer), or lets the request through (undefined). */
function screen(req: http.IncomingMessage, res: http.ServerResponse, path: string): Answer | undefined {
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > MAX_BODY_BYTES) {
    // Closing, rather than keeping the connection, spares the server draining the whole body.
    res.setHeader('Connection', 'close');
    return TOO_LARGE;
  }
  // A chunked body has no announced size: it is ignored like any other, but the connection is
  // not kept, so a client cannot make the server drain an endless stream.
  if (req.headers['transfer-encoding']) res.setHeader('Connection', 'close');
  // A bad percent-encoding is the client's mistake: a 400 instead of a misleading 404.
  try {
    decodeURIComponent(path);
  } catch {
    return MALFORMED_URL;
  }
  return undefined;
}

/** `/a` → routes['/a']; `/a/<segment>` → routes['/a/:name'] with the segment decoded. */
function match(routes: ReadonlyMap<string, Route>, path: string): { pattern: string; route: Route; param: string } | undefined {
  const exact = routes.get(path);
  if (exact) return { pattern: path, route: exact, param: '' };
  const slash = path.indexOf('/', 1);
  if (slash < 0 || path.indexOf('/', slash + 1) >= 0 || slash === path.length - 1) return undefined;
  const pattern = `${path.slice(0, slash)}/:name`;
  const route = routes.get(pattern);
  return route ? { pattern, route, param: decodeURIComponent(path.slice(slash + 1)) } : undefined;
}
