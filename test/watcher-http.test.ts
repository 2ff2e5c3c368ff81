import test from 'ava';
import { rawHttp } from './helpers/raw-http';
import type { Server } from 'node:http';
import net from 'node:net';
import pino from 'pino';
import type { Address } from '../packages/core/src/address';
import type { HistoryEvent } from '../packages/core/src/members/history';
import { createApi } from '../packages/watcher/src/http/api';
import { closeServer, listen } from '../packages/core/src/http/server';
import { createMetrics, localApiMetrics, type Metrics } from '../packages/watcher/src/metrics';
import type { Health, SetStatus, WatcherView } from '../packages/watcher/src/view';
import './helpers/exit-guard'; // fails this file if its worker outlives its tests

// The HTTP API is pure logic over the view, so a plain fake view is enough; the server is real.

const MASTER: Address = { host: '10.0.0.1', port: 6379 };
const CACHE: Address = { host: '10.0.0.2', port: 6380 };
const HEALTHY: Health = { ok: true, zookeeper: true, following: { host: '10.0.0.7', port: 26379 }, reasons: [] };
const STATUS: Record<string, SetStatus> = {
  mymaster: {
    master: MASTER,
    masterReachable: true,
    problems: [],
    replicas: [{ address: { host: '10.0.0.3', port: 6379 }, role: 'replica', linkStatus: 'up', offset: 1200, lag: 0 }],
    keys: 42,
    sentinels: [{ address: { host: '10.0.0.7', port: 26379 }, reachable: true, names: MASTER }],
    sentinelsAgreeing: 1,
    sentinelQuorum: 1,
    failoverInProgress: false,
    lastFailover: { at: '2024-05-01T10:00:00.000Z', from: { host: '10.0.0.9', port: 6379 }, to: MASTER },
    stale: false,
    staleSince: null,
    recentChanges: [],
    paused: null,
  },
};
const HISTORY: HistoryEvent[] = [
  {
    at: 1714557600000,
    from: '10.0.0.9:6379',
    to: '10.0.0.1:6379',
    cause: 'sentinel-failover',
    epoch: 3,
    durationMs: 2100,
    by: 'watcher w1:8080',
    reason: 'test',
  },
];
// What the view hands out may carry more than an address; the API must answer host+port only.
const withExtra = { host: '10.0.0.7', port: 26379, runId: 'abc' };

function fakeView(overrides: Partial<WatcherView> = {}): WatcherView {
  return {
    sentinels: () => [withExtra, { host: '10.0.0.8', port: 26380 }],
    masters: () =>
      new Map([
        ['mymaster', MASTER],
        ['cache', CACHE],
        ['a b', CACHE],
      ]),
    health: () => HEALTHY,
    freshness: () => ({ sentinelsLoaded: true, mastersLoaded: true, staleSince: null }),
    liveness: () => ({ ok: true, reason: 'test' }),
    status: async () => STATUS,
    history: async (name) => (name === 'mymaster' ? HISTORY : null),
    ...overrides,
  };
}

interface Api {
  base: string;
  port: number;
  metrics: Metrics;
  logs: string[];
  server: Server;
}
const servers: Server[] = [];

async function start(view: WatcherView = fakeView()): Promise<Api> {
  const logs: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const metrics = createMetrics();
  const server = await listen(createApi(view, localApiMetrics(metrics), log), '127.0.0.1', 0, log);
  servers.push(server);
  const { port } = server.address() as net.AddressInfo;
  return { base: `http://127.0.0.1:${port}`, port, metrics, logs, server };
}

let api: Api;
test.before(async () => {
  api = await start();
});
test.after.always(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: unknown; res: Response }> {
  const res = await fetch(url, init);
  return { status: res.status, body: JSON.parse(await res.text()), res };
}

const raw = rawHttp;

async function assertStillServing(t: { is: (a: unknown, b: unknown) => void }): Promise<void> {
  const res = await fetch(`${api.base}/sentinels`);
  t.is(res.status, 200);
  await res.arrayBuffer();
}

// --- endpoints -------------------------------------------------------------------------------

test('GET /sentinels: host+port objects, JSON, not cacheable', async (t) => {
  const { status, body, res } = await getJson(`${api.base}/sentinels`);
  t.is(status, 200);
  t.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
  t.is(res.headers.get('cache-control'), 'no-store');
  t.deepEqual(body, [
    { host: '10.0.0.7', port: 26379 },
    { host: '10.0.0.8', port: 26380 },
  ]);
});

test('GET /masters: every set by name', async (t) => {
  const { status, body, res } = await getJson(`${api.base}/masters`);
  t.is(status, 200);
  t.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
  t.deepEqual(body, { mymaster: MASTER, cache: CACHE, 'a b': CACHE });
});

test('GET /masters/:name: one set, decoded name, JSON 404 for an unknown one', async (t) => {
  t.deepEqual((await getJson(`${api.base}/masters/cache`)).body, CACHE);
  t.deepEqual((await getJson(`${api.base}/masters/a%20b`)).body, CACHE);
  const missing = await getJson(`${api.base}/masters/x`);
  t.is(missing.status, 404);
  t.is(missing.res.headers.get('content-type'), 'application/json; charset=utf-8');
  t.deepEqual(missing.body, { error: 'no master registered for set "x"' });
});

test('GET /master: the mymaster set, 404 without one', async (t) => {
  const found = await getJson(`${api.base}/master`);
  t.is(found.status, 200);
  t.deepEqual(found.body, MASTER);
  const other = await start(fakeView({ masters: () => new Map([['cache', CACHE]]) }));
  const missing = await getJson(`${other.base}/master`);
  t.is(missing.status, 404);
  t.deepEqual(missing.body, { error: 'no master registered for set "mymaster"' });
});

test('GET /status: the view status as JSON', async (t) => {
  const res = await fetch(`${api.base}/status`);
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
  t.is(res.headers.get('cache-control'), 'no-store');
  const text = await res.text();
  t.deepEqual(JSON.parse(text), STATUS);
  t.false(/password/i.test(text));
});

test("GET /history/:name: the set's history as JSON, 404 for a set without one", async (t) => {
  const ok = await getJson(`${api.base}/history/mymaster`);
  t.is(ok.status, 200);
  t.is(ok.res.headers.get('cache-control'), 'no-store');
  t.deepEqual(ok.body, HISTORY);
  const missing = await getJson(`${api.base}/history/nope`);
  t.is(missing.status, 404);
  t.regex((missing.body as { error: string }).error, /nope/);
});

test('GET /health: 200 when healthy', async (t) => {
  const { status, body } = await getJson(`${api.base}/health`);
  t.is(status, 200);
  t.deepEqual(body, { status: 'ok', zookeeper: true, following: { host: '10.0.0.7', port: 26379 } });
});

test('GET /health: 503 with the reasons when unhealthy', async (t) => {
  const sick = await start(
    fakeView({
      health: () => ({ ok: false, zookeeper: false, following: null, reasons: ['ZooKeeper disconnected', 'no sentinel to follow'] }),
    }),
  );
  const { status, body, res } = await getJson(`${sick.base}/health`);
  t.is(status, 503);
  t.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
  t.deepEqual(body, { status: 'unhealthy', reasons: ['ZooKeeper disconnected', 'no sentinel to follow'], zookeeper: false, following: null });
});

test('before the first read from ZooKeeper: discovery answers 503 (never an empty list), /readiness 503, /liveness 200', async (t) => {
  const fresh = await start(
    fakeView({ sentinels: () => [], masters: () => new Map(), freshness: () => ({ sentinelsLoaded: false, mastersLoaded: false, staleSince: null }) }),
  );
  for (const path of ['/sentinels', '/masters', '/masters/mymaster', '/master']) {
    const { status, body } = await getJson(fresh.base + path);
    t.is(status, 503, path);
    t.regex((body as { error: string }).error, /not loaded from ZooKeeper yet/, path);
  }
  t.is((await getJson(`${fresh.base}/readiness`)).status, 503);
  const half = await start(fakeView({ freshness: () => ({ sentinelsLoaded: true, mastersLoaded: false, staleSince: null }) }));
  t.is((await getJson(`${half.base}/sentinels`)).status, 200, 'the sentinel list is read: served');
  const none = await start(fakeView({ sentinels: () => [], freshness: () => ({ sentinelsLoaded: true, mastersLoaded: true, staleSince: null }) }));
  const empty = await getJson(`${none.base}/sentinels`);
  t.is(empty.status, 503, 'a list read empty (the sentinels re-registering after an outage): 503, never []');
  t.regex((empty.body as { error: string }).error, /no sentinel registered/);
  t.is((await getJson(`${half.base}/master`)).status, 503, 'the masters are not');
  t.is((await getJson(`${fresh.base}/liveness`)).status, 200);
});

test('GET /readiness: 200 once loaded and following, also while ZooKeeper is away (stale); 503 following nobody', async (t) => {
  const ready = await getJson(`${api.base}/readiness`);
  t.deepEqual(ready, { ...ready, status: 200 });
  const stale = await start(
    fakeView({
      freshness: () => ({ sentinelsLoaded: true, mastersLoaded: true, staleSince: '2024-05-01T10:00:00.000Z' }),
      health: () => ({ ...HEALTHY, ok: false, zookeeper: false }),
    }),
  );
  t.is((await getJson(`${stale.base}/readiness`)).status, 200);
  t.is((await getJson(`${stale.base}/health`)).status, 503, '/health still says ZooKeeper is away');
  t.is((await getJson(`${stale.base}/sentinels`)).status, 200, 'discovery from the last view');
  const lost = await start(fakeView({ health: () => ({ ...HEALTHY, following: null }) }));
  const r = await getJson(`${lost.base}/readiness`);
  t.is(r.status, 503);
  t.deepEqual(r.body, { status: 'unavailable', reason: 'not following any sentinel' });
});

test('GET /liveness: what the view says of the process (the API thread: of the main thread), whatever ZooKeeper', async (t) => {
  const cut = await start(fakeView({ health: () => ({ ok: false, zookeeper: false, following: null, reasons: ['not connected to ZooKeeper at zk:2181'] }) }));
  t.deepEqual((await getJson(`${cut.base}/liveness`)).body, { status: 'ok', reason: 'test' });
  const stuck = await start(fakeView({ liveness: () => ({ ok: false, reason: 'no sign of life from the main thread for 12000 ms' }) }));
  const r = await getJson(`${stuck.base}/liveness`);
  t.is(r.status, 503);
  t.deepEqual(r.body, { status: 'unavailable', reason: 'no sign of life from the main thread for 12000 ms' });
});

test('GET /sentinels: serialized once per change of the list, and a new list served at once', async (t) => {
  let reads = 0;
  const counted: Address = {
    get host() {
      reads += 1;
      return '10.0.0.1';
    },
    port: 26379,
  };
  let list: Address[] = [counted];
  const own = await start(fakeView({ sentinels: () => list }));
  for (let i = 0; i < 3; i += 1) t.deepEqual((await getJson(`${own.base}/sentinels`)).body, [{ host: '10.0.0.1', port: 26379 }]);
  t.is(reads, 1, 'the same list (the view replaces it on a change, never mutates it) is serialized once');
  list = [{ host: '10.0.0.3', port: 1 }];
  t.deepEqual((await getJson(`${own.base}/sentinels`)).body, [{ host: '10.0.0.3', port: 1 }]);
  t.is((await fetch(`${own.base}/sentinels?x=1`)).status, 200, 'a query string is ignored');
});

test('GET /metrics: Prometheus text with every metric, requests counted by route pattern', async (t) => {
  const own = await start();
  for (const path of ['/sentinels', '/sentinels', '/masters/x', '/nowhere']) await (await fetch(own.base + path)).arrayBuffer();
  await (await fetch(`${own.base}/sentinels`, { method: 'POST' })).arrayBuffer();
  const res = await fetch(`${own.base}/metrics`);
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), own.metrics.registry.contentType);
  const text = await res.text();
  for (const name of [
    'redis_zk_http_requests_total',
    'redis_zk_failovers_seen_total',
    'redis_zk_zookeeper_corrections_total',
    'redis_zk_sentinels_known',
    'redis_zk_zookeeper_connected',
    'redis_zk_watcher_process_cpu_seconds_total',
  ])
    t.true(text.includes(`# TYPE ${name} `), name);
  t.true(text.includes('redis_zk_http_requests_total{method="GET",route="/sentinels",status="200"} 2'));
  t.true(text.includes('redis_zk_http_requests_total{method="GET",route="/masters/:name",status="404"} 1'));
  t.true(text.includes('redis_zk_http_requests_total{method="GET",route="unmatched",status="404"} 1'));
  t.true(text.includes('redis_zk_http_requests_total{method="POST",route="/sentinels",status="405"} 1'));
});

test('HEAD answers wherever GET does, without a body', async (t) => {
  for (const [path, status] of [
    ['/sentinels', 200],
    ['/masters', 200],
    ['/masters/x', 404],
    ['/master', 200],
    ['/status', 200],
    ['/health', 200],
    ['/metrics', 200],
  ] as const) {
    const res = await fetch(api.base + path, { method: 'HEAD' });
    t.is(res.status, status, path);
    t.is((await res.text()).length, 0, path);
    t.truthy(res.headers.get('content-type'), path);
  }
});

test('unknown paths: JSON 404', async (t) => {
  for (const path of ['/', '/nowhere', '/masters/a/b', '/sentinels/x', '/metrics.json']) {
    const { status, body, res } = await getJson(api.base + path);
    t.is(status, 404, path);
    t.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
    t.deepEqual(body, { error: 'not found' }, path);
  }
});

test('other methods on a known path: JSON 405 with Allow', async (t) => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND']) {
    const { status, body, res } = await getJson(`${api.base}/sentinels`, { method });
    t.is(status, 405, method);
    t.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
    t.deepEqual(body, { error: 'method not allowed' });
    t.deepEqual(res.headers.get('allow')?.split(', ').sort(), ['GET', 'HEAD']);
  }
  t.is((await getJson(`${api.base}/masters/cache`, { method: 'DELETE' })).status, 405);
});

// --- failures of the view ----------------------------------------------------------------------

test('a status() that rejects: JSON 503, logged, and the server keeps answering', async (t) => {
  const flaky = await start(fakeView({ status: () => Promise.reject(new Error('sentinel 10.0.0.7:26379 timed out')) }));
  for (let i = 0; i < 3; i += 1) {
    const { status, body, res } = await getJson(`${flaky.base}/status`);
    t.is(status, 503);
    t.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
    t.deepEqual(body, { error: 'temporarily unavailable' });
  }
  t.true(flaky.logs.some((line) => line.includes('sentinel 10.0.0.7:26379 timed out')));
  t.is((await fetch(`${flaky.base}/sentinels`)).status, 200);
  t.true((await (await fetch(`${flaky.base}/metrics`)).text()).includes('redis_zk_http_requests_total{method="GET",route="/status",status="503"} 3'));
});

test('a view that throws or returns what JSON cannot hold: 503, never 500', async (t) => {
  const broken = await start(
    fakeView({
      sentinels: () => {
        throw new Error('boom');
      },
      status: async () => ({ mymaster: { keys: 1n } }) as unknown as Record<string, SetStatus>,
    }),
  );
  for (const path of ['/sentinels', '/status']) {
    const { status, body } = await getJson(broken.base + path);
    t.is(status, 503, path);
    t.deepEqual(body, { error: 'temporarily unavailable' });
  }
});

// --- junk --------------------------------------------------------------------------------------

test("raw garbage bytes: Node's own 400 (empty body), server still serving", async (t) => {
  const garbage = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]);
  const reply = await raw(api.port, garbage);
  t.is(reply.status, 400);
  t.is(reply.body, '');
  t.is((await raw(api.port, 'HELLO\r\n\r\n')).status, 400);
  await assertStillServing(t);
});

// Sent without the end of the request, so the server has read every byte when it refuses: its
// close is then a clean one, never a reset that could drop the 431 before the client reads it.
// (More bytes, as in bad-data.test.ts, may be reset: that only proves no 5xx.)
test('a URL over the 16 KiB header limit: 431, the server still serving', async (t) => {
  const reply = await raw(api.port, `GET /masters/${'a'.repeat(17 * 1024)}`);
  t.is(reply.status, 431);
  await assertStillServing(t);
});

test('headers over the 16 KiB limit: 431, the server still serving', async (t) => {
  const headers = Array.from({ length: 17 }, (_, i) => `X-Junk-${i}: ${'j'.repeat(1000)}\r\n`).join('');
  const reply = await raw(api.port, `GET /sentinels HTTP/1.1\r\nHost: x\r\n${headers}`);
  t.is(reply.status, 431);
  await assertStillServing(t);
});

test('thousands of small headers: only the first 100 are parsed, answered normally, never a 5xx', async (t) => {
  const headers = Array.from({ length: 3000 }, (_, i) => `X-${i}: y\r\n`).join('');
  const reply = await raw(api.port, `GET /sentinels HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`);
  t.true(reply.status === 200 || reply.status === 431 || reply.status === null, String(reply.status));
  await assertStillServing(t);
});

test('malformed percent-encoding: JSON 400', async (t) => {
  for (const path of ['/masters/%E0%A4%A', '/%', '/sentinels%ZZ']) {
    const reply = await raw(api.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    t.is(reply.status, 400, path);
    t.regex(reply.head, /content-type: application\/json/i);
    t.deepEqual(JSON.parse(reply.body), { error: 'malformed URL' });
  }
  // The same through an ordinary client.
  t.is((await fetch(`${api.base}/masters/%E0%A4%A`)).status, 400);
  // Characters the HTTP parser itself refuses.
  t.is((await raw(api.port, 'GET /sent\x01inels HTTP/1.1\r\nHost: x\r\n\r\n')).status, 400);
  await assertStillServing(t);
});

test('a POST announcing a 1 MiB body: 413 on the announcement alone, the connection closed; sent, never a 5xx', async (t) => {
  const body = 'x'.repeat(1024 * 1024);
  const announced = await raw(api.port, `POST /sentinels HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
  t.is(announced.status, 413);
  t.regex(announced.head, /connection: close/i);
  t.regex(announced.body, /request body too large/);
  // Sent along: the 413 may be lost to the reset of a connection closed with the body unread.
  const sent = await raw(api.port, `POST /sentinels HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  t.false((sent.status ?? 0) >= 500, String(sent.status));
  await assertStillServing(t);
});

test('small and chunked bodies are ignored', async (t) => {
  // A small body on a GET is skipped over and the connection stays usable for the next request.
  const pipelined = await raw(
    api.port,
    'GET /sentinels HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' + 'GET /master HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  t.is(pipelined.status, 200);
  t.is((pipelined.body.match(/HTTP\/1\.1 200 OK/g) ?? []).length, 1); // the second answer follows the first
  t.true(pipelined.body.includes('"host":"10.0.0.1"'));
  // A chunked body (no announced size) is ignored too, but the connection is not kept.
  const chunked = await raw(api.port, 'GET /master HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
  t.is(chunked.status, 200);
  t.regex(chunked.head, /connection: close/i);
  await assertStillServing(t);
});

test('a client that never finishes its headers does not stop the others', async (t) => {
  const stalled = net.connect(api.port, '127.0.0.1');
  await new Promise((resolve) => stalled.once('connect', resolve));
  stalled.on('error', () => undefined);
  stalled.write('GET /sentinels HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  // The server closes it after headersTimeout (with a 408); meanwhile everyone else is served.
  try {
    for (let i = 0; i < 5; i += 1) await assertStillServing(t);
  } finally {
    stalled.destroy();
  }
});

test('200 concurrent requests, valid and junk: all answered, none 5xx', async (t) => {
  const paths = ['/sentinels', '/masters', '/masters/cache', '/masters/x', '/master', '/status', '/health', '/metrics', '/nowhere', '/masters/%E0%A4%A', '/%'];
  const requests = Array.from({ length: 200 }, async (_, i): Promise<number | null> => {
    if (i % 10 === 3) return (await raw(api.port, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x0d, 0x0a, 0x0d, 0x0a]))).status;
    if (i % 10 === 7) return (await fetch(`${api.base}/sentinels`, { method: 'POST', body: 'x' })).status;
    const res = await fetch(api.base + paths[i % paths.length]);
    await res.arrayBuffer();
    return res.status;
  });
  const statuses = await Promise.all(requests);
  t.is(statuses.length, 200);
  t.deepEqual(
    statuses.filter((s) => s === null || s >= 500),
    [],
  );
  t.true(statuses.filter((s) => s === 200).length > 100);
  await assertStillServing(t);
});

// --- listening ---------------------------------------------------------------------------------

test('listen: rejects naming host:port when the port is taken', async (t) => {
  const log = pino({ level: 'silent' });
  const err = await t.throwsAsync(listen(createApi(fakeView(), localApiMetrics(createMetrics()), log), '127.0.0.1', api.port, log));
  t.regex(err?.message ?? '', new RegExp(`127\\.0\\.0\\.1:${api.port}.*EADDRINUSE`));
});

test('listen: the limits', async (t) => {
  const server = servers[0]!;
  t.is(server.headersTimeout, 10000);
  t.is(server.requestTimeout, 15000);
  t.is(server.keepAliveTimeout, 5000);
  t.is(server.maxHeadersCount, 100);
});

test('closeServer: an answer under way is finished, then nothing listens', async (t) => {
  let entered = () => {};
  const reached = new Promise<void>((resolve) => (entered = resolve));
  let release = () => {};
  const answered = new Promise<Record<string, SetStatus>>((resolve) => (release = () => resolve(STATUS)));
  const slow = await start(
    fakeView({
      status: () => {
        entered();
        return answered;
      },
    }),
  );
  const pending = fetch(`${slow.base}/status`);
  await reached;
  const closing = closeServer(slow.server);
  release();
  t.is((await pending).status, 200);
  await closing;
  await t.throwsAsync(fetch(`${slow.base}/sentinels`));
});
