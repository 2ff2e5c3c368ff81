import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import type { NodeAnswers } from '../../packages/redis-wrapper/src/node/api/answers';
import { nodeRoutes } from '../../packages/redis-wrapper/src/node/api/routes';
import { no, ok } from '../../packages/redis-wrapper/src/node/verdict';

// The node API thread's routes over the answers the main thread sent: the age rule, ?lag=, junk.

const replicaAnswers: NodeAnswers = {
  primary: no('not a master'),
  replica: ok('replica of 10.0.0.1:6379, link up'),
  replicaLag: { bytes: 100, master: '10.0.0.1:6379' },
  readiness: ok('synced'),
  health: ok('redis-server answers as replica'),
};

async function serve(t: import('ava').ExecutionContext, state: { answers: NodeAnswers | null; ageMs: number }) {
  const server = http.createServer(
    nodeRoutes({ answers: () => state, maxViewAgeMs: 3000, metrics: async () => ({ text: 'm 1\n', contentType: 'text/plain' }) }).callback(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (path: string, method = 'GET') => {
    const res = await fetch(`${base}${path}`, { method });
    const body = await res.text();
    return { status: res.status, body, reason: body.startsWith('{') ? (JSON.parse(body) as { reason: string }).reason : body };
  };
}

test('node API routes: each check from the answers; ?lag= bounds the replica', async (t) => {
  const get = await serve(t, { answers: replicaAnswers, ageMs: 10 });
  t.is((await get('/primary')).status, 503);
  t.is((await get('/replica')).status, 200);
  t.is((await get('/replica?lag=100')).status, 200);
  const behind = await get('/replica?lag=99');
  t.is(behind.status, 503);
  t.is(behind.reason, 'lags 100 bytes behind 10.0.0.1:6379 (at most 99)');
  for (const path of ['/readiness', '/health', '/liveness']) t.is((await get(path)).status, 200, path);
  t.is((await get('/metrics')).body, 'm 1\n');
});

test('node API routes: no view yet, or one older than the limit, fails every check', async (t) => {
  const starting = await serve(t, { answers: null, ageMs: 0 });
  t.is((await starting('/liveness')).reason, 'no view yet (starting)');
  const old = await serve(t, { answers: replicaAnswers, ageMs: 3001 });
  for (const path of ['/replica', '/readiness', '/health', '/liveness']) {
    const r = await old(path);
    t.is(r.status, 503, path);
    t.regex(r.reason, /view is 3001 ms old/);
  }
});

test('node API routes: junk gets a 4xx naming what is wrong', async (t) => {
  const get = await serve(t, { answers: replicaAnswers, ageMs: 0 });
  t.is((await get('/replica?lag=abc')).status, 400);
  t.is((await get('/replica?lag=-1')).status, 400);
  const missing = await get('/nope');
  t.is(missing.status, 404);
  t.regex(missing.reason, /no route \/nope; try \/primary/);
  t.is((await get('/primary', 'POST')).status, 405);
  t.is((await get('/primary', 'HEAD')).status, 503);
});
