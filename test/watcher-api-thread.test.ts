import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import pino from 'pino';
import type { Address } from '../packages/core/src';
import { ApiThread } from '../packages/watcher/src/http/api-thread';
import { createMetrics } from '../packages/watcher/src/metrics';
import type { Freshness, Health, SetStatus, WatcherView } from '../packages/watcher/src/view';
import { freePort } from './helpers/ports';
import { waitFor } from './helpers/wait';
import './helpers/exit-guard'; // fails this file if its worker outlives its tests

// The thread's built file (a worker thread does not inherit tsx's loader).
const ENTRY = path.join(__dirname, '..', 'packages', 'watcher', 'dist', 'api-thread.js');
const healthy: Health = { ok: true, zookeeper: true, following: { host: '10.0.0.1', port: 26379 }, reasons: [] };

/** A main-thread view the test changes at will. */
function mutableView() {
  const state = {
    sentinels: [{ host: '10.0.0.1', port: 26379 }] as Address[],
    masters: new Map<string, Address>([['mymaster', { host: '10.0.0.9', port: 6379 }]]),
    health: healthy,
    freshness: { sentinelsLoaded: true, mastersLoaded: true, staleSince: null } as Freshness,
    status: async (): Promise<Record<string, SetStatus>> => ({}),
  };
  const view: WatcherView = {
    sentinels: () => state.sentinels,
    masters: () => state.masters,
    health: () => state.health,
    freshness: () => state.freshness,
    liveness: () => ({ ok: true, reason: 'main thread' }),
    status: () => state.status(),
    history: async () => null,
  };
  return { state, view };
}

async function startApi(view: WatcherView) {
  const port = await freePort();
  const api = await ApiThread.start({
    entry: ENTRY,
    host: '127.0.0.1',
    port,
    logLevel: 'silent',
    view,
    metrics: createMetrics(),
    log: pino({ level: 'silent' }),
  });
  return { api, base: `http://127.0.0.1:${port}` };
}

const getJson = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as unknown };
};

test("the API thread serves the main thread's view, and each change once published", async (t) => {
  const { state, view } = mutableView();
  const { api, base } = await startApi(view);
  t.teardown(() => api.close());

  t.deepEqual(await getJson(`${base}/sentinels`), { status: 200, body: [{ host: '10.0.0.1', port: 26379 }] });
  t.deepEqual(await getJson(`${base}/master`), { status: 200, body: { host: '10.0.0.9', port: 6379 } });
  t.is((await fetch(`${base}/health`)).status, 200);

  state.sentinels = [
    { host: '10.0.0.2', port: 26380 },
    { host: '10.0.0.3', port: 26381 },
  ];
  state.masters = new Map([['mymaster', { host: '10.0.0.8', port: 6380 }]]);
  state.health = { ok: false, zookeeper: false, following: null, reasons: ['not connected to ZooKeeper at zk:2181'] };
  api.publish();
  await waitFor('the new list served', async () => ((await (await fetch(`${base}/sentinels`)).json()) as Address[]).length === 2, 15000, 20);
  t.deepEqual(await getJson(`${base}/master`), { status: 200, body: { host: '10.0.0.8', port: 6380 } });
  const health = await getJson(`${base}/health`);
  t.is(health.status, 503);
  t.deepEqual((health.body as { reasons: string[] }).reasons, ['not connected to ZooKeeper at zk:2181']);
});

test('/liveness: 200 while the main thread publishes (a sign of life each second when nothing changed), 503 once it falls silent', async (t) => {
  const { view } = mutableView();
  const { api, base } = await startApi(view);
  t.teardown(() => api.close());
  const beating = setInterval(() => api.publish(), 1000);
  t.teardown(() => clearInterval(beating));
  t.is((await fetch(`${base}/liveness`)).status, 200);
  await new Promise((r) => setTimeout(r, 2500));
  t.is((await fetch(`${base}/liveness`)).status, 200, 'still alive: beats with nothing changed');
  clearInterval(beating);
  await waitFor('/liveness to fail once the main thread is silent', async () => (await fetch(`${base}/liveness`)).status === 503, 20000, 500);
  api.publish();
  await waitFor('alive again after a sign of life', async () => (await fetch(`${base}/liveness`)).status === 200, 5000, 50);
  t.pass();
});

test('GET /status and GET /metrics are answered by the main thread through the API thread; a failing one is a 503', async (t) => {
  const { state, view } = mutableView();
  const { api, base } = await startApi(view);
  t.teardown(() => api.close());
  const set: SetStatus = {
    master: { host: '10.0.0.9', port: 6379 },
    masterReachable: true,
    problems: [],
    replicas: [],
    keys: 3,
    sentinels: [],
    sentinelsAgreeing: 0,
    sentinelQuorum: null,
    failoverInProgress: false,
    lastFailover: null,
    recentChanges: [],
    paused: null,
    stale: false,
    staleSince: null,
  };
  state.status = async () => ({ mymaster: set });
  t.deepEqual(await getJson(`${base}/status`), { status: 200, body: { mymaster: set } });

  await (await fetch(`${base}/sentinels`)).arrayBuffer();
  const metrics = await (await fetch(`${base}/metrics`)).text();
  t.regex(metrics, /^# HELP redis_zk_watcher_process_cpu_user_seconds_total/m, "the main thread's registry");
  t.regex(metrics, /redis_zk_http_requests_total\{method="GET",route="\/sentinels",status="200"\} 1/, "the API thread's count, in it");

  state.status = async () => {
    throw new Error('sentinel 10.0.0.1:26379 did not answer');
  };
  const failed = await getJson(`${base}/status`);
  t.is(failed.status, 503);
  t.deepEqual(failed.body, { error: 'temporarily unavailable' });
});

test('a port already taken: start() rejects naming the address, and no thread is left', async (t) => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => taken.close());
  const port = (taken.address() as net.AddressInfo).port;
  const { view } = mutableView();
  const err = await t.throwsAsync(
    ApiThread.start({ entry: ENTRY, host: '127.0.0.1', port, logLevel: 'silent', view, metrics: createMetrics(), log: pino({ level: 'silent' }) }),
  );
  t.regex(err!.message, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`));
});

test('close() stops the API and ends the thread; it is not reported as a failure', async (t) => {
  const { view } = mutableView();
  const { api, base } = await startApi(view);
  let failed = false;
  void api.failed.then(() => {
    failed = true;
  });
  await api.close();
  await t.throwsAsync(fetch(`${base}/sentinels`));
  await new Promise((r) => setTimeout(r, 100));
  t.false(failed);
});

test('a thread that ends on its own is reported through `failed` (the watcher then exits non-zero, see watcher.ts)', async (t) => {
  const { view } = mutableView();
  const { api, base } = await startApi(view);
  t.teardown(() => api.close());
  // What an uncaught error inside the thread amounts to; the worker is private on purpose.
  await (api as unknown as { thread: { worker: { terminate(): Promise<number> } } }).thread.worker.terminate();
  const why = await Promise.race([api.failed, new Promise<null>((r) => setTimeout(() => r(null), 10000))]);
  t.truthy(why, '`failed` resolved');
  t.regex(why!.message, /the HTTP thread exited \(code \d+\)/);
  await t.throwsAsync(fetch(`${base}/sentinels`), undefined, 'nothing listens any more');
  api.publish(); // a view change after the thread is gone is dropped, not thrown
});
