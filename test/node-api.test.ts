import test from 'ava';
import { TestEnv } from './helpers/env';
import { sleep } from '../packages/local-stack/src/harness';
import { waitFor } from './helpers/wait';
import { rawHttp } from './helpers/raw-http';
import { sentinelReplicasOf } from './helpers/sentinel';
import { childPids } from './helpers/chaos';
import { readFileSync } from 'node:fs';

// redis-wrapper's HTTP API (PORT1), on a live set: what a proxy checks (/primary, /replica),
// what Marathon checks (/readiness, /health, /liveness), metrics, and answers to junk.

const DOWN_AFTER_MS = 6000;

const get = async (port: number, path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
};

test('the node API: /primary on the master only, /replica on replicas, readiness once Sentinel lists a new replica', async (t) => {
  const env = await TestEnv.create(t);
  // down-after 6 s: room for a stall of 3 s that outlasts the node loop's 1 s INFO timeout.
  const d = await env.deploy({ watchers: 0, env: { SENTINEL_DOWN_AFTER_MS: String(DOWN_AFTER_MS) } });
  const master = d.redis.find((r) => r.address === d.master)!;
  const replica = d.redis.find((r) => r !== master)!;
  await waitFor("the master's /primary", async () => (await get(master.apiPort, '/primary')).status === 200, 15000);
  // redis-server runs REDIS_NICE (5) levels below its wrapper: the API answers first on a saturated machine.
  const niceOf = (pid: number) =>
    Number(
      readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ')[16],
    );
  const server = childPids(master).at(-1)!;
  t.is(niceOf(server) - niceOf(master.proc.pid), 5, 'redis-server nice level below its wrapper');
  t.is((await get(master.apiPort, '/replica')).status, 503);
  t.is((await get(master.apiPort, '/readiness')).status, 200);
  await waitFor("a replica's /replica", async () => (await get(replica.apiPort, '/replica')).status === 200, 15000);
  const primary = await get(replica.apiPort, '/primary');
  t.is(primary.status, 503);
  t.regex(JSON.parse(primary.body).reason, /not a master/);
  t.is((await get(replica.apiPort, '/replica?lag=100000000')).status, 200);
  t.is((await get(replica.apiPort, '/replica?lag=abc')).status, 400);
  for (const path of ['/health', '/liveness']) t.is((await get(replica.apiPort, path)).status, 200, path);
  t.is((await get(replica.apiPort, '/nope')).status, 404);
  t.is((await fetch(`http://127.0.0.1:${replica.apiPort}/primary`, { method: 'POST' })).status, 405);
  t.regex((await get(replica.apiPort, '/metrics')).body, /^redis_zk_node_is_master 0$/m);
  const junk = await rawHttp(replica.apiPort, 'GARBAGE\r\n\r\n', 5000);
  t.true(junk.status === null || junk.status < 500, `junk answered ${junk.status}`);

  // A master stalled by a slow command (longer than the node loop's 1 s INFO timeout, shorter than
  // Sentinel's down-after): /primary keeps passing, as Sentinel keeps it for up, so HAProxy does not cut its clients.
  const blocker = env.redis(master.port);
  t.teardown(() => blocker.disconnect());
  const stallMs = DOWN_AFTER_MS / 2;
  const script =
    'local t0 = redis.call("TIME") repeat local t = redis.call("TIME") until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) >= tonumber(ARGV[1]) * 1000';
  const stalled = blocker.eval(script, 0, String(stallMs));
  const during: Array<{ status: number; reason: string }> = [];
  const stallStart = Date.now();
  while (Date.now() - stallStart < stallMs + 1500) {
    const r = await get(master.apiPort, '/primary');
    during.push({ status: r.status, reason: JSON.parse(r.body).reason });
    await sleep(50);
  }
  await stalled;
  t.deepEqual(
    during.filter((r) => r.status !== 200),
    [],
    'never 503 through the stall',
  );
  t.true(
    during.some((r) => /slow to answer/.test(r.reason)),
    `the stall outlasted a tick's INFO timeout: ${[...new Set(during.map((r) => r.reason))].join(' | ')}`,
  );

  // A new replica: not ready until a majority of the sentinels list it with its link up.
  const addedAt = Date.now();
  const added = await env.start('redis-wrapper');
  const readyAt = await waitFor(
    'the new replica to be ready',
    async () => ((await get(added.apiPort, '/readiness').catch(() => ({ status: 0 }))).status === 200 ? Date.now() : undefined),
    60000,
    50,
  );
  const listing = await Promise.all(d.sentinels.map((s) => sentinelReplicasOf(s.port, d.name)));
  const knows = listing.filter((l) => l.some((r) => r.address === added.address && r.linkOk)).length;
  t.true(knows * 2 > d.sentinels.length, `ready with ${knows}/${d.sentinels.length} sentinels listing it`);
  t.log(`new replica ready ${readyAt - addedAt} ms after its start; ${knows}/3 sentinels list it`);
});
