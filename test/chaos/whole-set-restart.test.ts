import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { type Deployment, type Task, TestEnv } from '../helpers/env';
import { killTask, portOf, zkMasterRaw } from '../helpers/failovers';
import { info } from '../helpers/redis-info';
import { recordFigures } from '../helpers/figures';
import { sentinelMasterAddr } from '../helpers/sentinel';
import { sleep, waitFor } from '../helpers/wait';

// Persistence across the loss of every redis task at once. Each redis task has its own DATA_DIR
// (AOF + RDB, as in conf/redis.conf); the replacements come up on new ports with the same dirs,
// as tasks on local persistent volumes would. The sentinels stay up throughout.
// Serial: each scenario is a whole deployment; two at once overload two cores.

const N = 2000;
const key = (i: number) => `persist:${i}`;
const value = (i: number) => `v${i}:${'x'.repeat(64)}`;

/** Writes N keys to the master, each acknowledged only once `WAIT 1` says a replica has it. */
async function writeKeys(t: ExecutionContext, env: TestEnv, d: Deployment): Promise<void> {
  const m = env.redis(portOf(d.master));
  for (let i = 0; i < N; i += 1) {
    await m.set(key(i), value(i));
    const acked = Number(await m.call('WAIT', '1', '2000'));
    if (acked < 1) t.fail(`write ${i} not acknowledged by a replica`);
  }
  // Every replica has every write before the kill, so whichever node is elected has them all
  // (the election prefers data over no data, not the longest history).
  t.is(Number(await m.call('WAIT', String(d.redis.length - 1), '5000')), d.redis.length - 1, 'every replica caught up before the kill');
  m.disconnect();
  // And every node has written them to its AOF (appendfsync everysec: when an fsync stalls, as on a
  // busy machine, redis holds writes back in its AOF buffer for up to 2 s, and a kill -9 loses them).
  for (const r of d.redis) {
    await waitFor(`${r.address}'s AOF buffer written`, async () => (await info(r.port, 'persistence'))?.get('aof_buffer_length') === '0', 10000, 50);
  }
}

/** How many of the N keys a node holds with the right value. */
async function keysOn(env: TestEnv, port: number): Promise<number> {
  const r = env.redis(port);
  try {
    let ok = 0;
    for (let i = 0; i < N; i += 500) {
      const idx = Array.from({ length: Math.min(500, N - i) }, (_, j) => i + j);
      const got = await r.mget(...idx.map(key));
      ok += got.filter((v, j) => v === value(idx[j]!)).length;
    }
    return ok;
  } finally {
    r.disconnect();
  }
}

/** Waits until `replica` is a replica of `master` with the link up and the full dataset loaded. */
async function synced(_env: TestEnv, replica: Task, master: string, timeoutMs = 30000): Promise<void> {
  await waitFor(
    `${replica.address} replicating ${master} with the link up`,
    async () => {
      const i = await info(replica.port);
      return i?.get('role') === 'slave' && `${i.get('master_host')}:${i.get('master_port')}` === master && i.get('master_link_status') === 'up';
    },
    timeoutMs,
    100,
  );
}

async function sentinelsRepointed(d: Deployment, master: string): Promise<void> {
  for (const s of d.sentinels) {
    await waitFor(`sentinel ${s.port} to monitor ${master}`, async () => (await sentinelMasterAddr(s.port, d.name)) === master, 30000, 200);
  }
}

const decidedLine = (task: Task) =>
  task.proc
    .log()
    .split('\n')
    .find((l) => l.includes('"msg":"election decided"')) ?? '';

test.serial('whole set kill -9, three new tasks on new ports with the same DATA_DIRs: one master, every key back everywhere', async (t) => {
  const env = await TestEnv.create(t);
  const dataDirs = [1, 2, 3].map((i) => path.join(env.dir, `redis-data-${i}`));
  const conf = {};
  const d = await env.deploy({ dataDirs, watchers: 0, env: conf });
  await writeKeys(t, env, d);
  for (const r of d.redis) t.is(await keysOn(env, r.port), N, `${r.address} holds every key before the kill`);

  const killed = Date.now();
  await Promise.all(d.redis.map((r) => killTask(r)));
  const oldAddresses = d.redis.map((r) => r.address);

  const started = Date.now();
  const second = await Promise.all(dataDirs.map((DATA_DIR) => env.start('redis-wrapper', { ...conf, DATA_DIR })));
  for (const r of second) t.false(oldAddresses.includes(r.address), `${r.address} is a new port`);

  const master = await waitFor(
    'ZooKeeper to name one of the new tasks',
    async () => {
      const m = await zkMasterRaw(d.dir);
      return m && second.some((r) => r.address === m) ? m : undefined;
    },
    60000,
    50,
  );
  const masterAt = Date.now();
  const roles = await env.roles(second.map((r) => r.port));
  t.is(roles.filter((r) => r === 'master').length, 1, 'exactly one master');
  t.is(roles[second.findIndex((r) => r.address === master)], 'master', 'ZooKeeper names the master');
  const replicas = second.filter((r) => r.address !== master);
  for (const r of replicas) await synced(env, r, master);
  const syncedAt = Date.now();
  await waitFor('every new task registered', async () => (await d.dir.listNodes(d.name)).length === 3, 15000);

  const recovered = await Promise.all(second.map((r) => keysOn(env, r.port)));
  t.deepEqual(recovered, [N, N, N], 'every key on the master and on both replicas');
  t.regex(decidedLine(second.find((r) => r.address === master)!), /"decision":"become-master"/);
  for (const r of replicas) t.regex(decidedLine(r), /"decision":"replicate"/);
  await sentinelsRepointed(d, master);
  const repointedAt = Date.now();
  for (const r of second) t.true(r.proc.running);

  recordFigures(t, 'whole-set-restart/same-data-dirs', {
    keysWritten: N,
    keysRecovered: recovered,
    killToStartMs: started - killed,
    startToMasterMs: masterAt - started,
    startToReplicasSyncedMs: syncedAt - started,
    startToSentinelsRepointedMs: repointedAt - started,
  });
});

test.serial('whole set lost, an empty node starts first and a node with data 2 s later: the node with data becomes master', async (t) => {
  const env = await TestEnv.create(t);
  const dataDirs = [1, 2, 3].map((i) => path.join(env.dir, `redis-data-${i}`));
  const conf = {};
  const d = await env.deploy({ dataDirs, watchers: 0, env: conf });
  await writeKeys(t, env, d);
  const oldMaster = d.redis.findIndex((r) => r.address === d.master);
  await Promise.all(d.redis.map((r) => killTask(r)));

  const emptyStarted = Date.now();
  const empty = await env.start('redis-wrapper', { ...conf, DATA_DIR: path.join(env.dir, 'redis-data-empty') });
  await sleep(2000);
  const dataStarted = Date.now();
  const withData = await env.start('redis-wrapper', { ...conf, DATA_DIR: dataDirs[oldMaster]! });

  const master = await waitFor(
    'ZooKeeper to name one of the new tasks',
    async () => {
      const m = await zkMasterRaw(d.dir);
      return m === empty.address || m === withData.address ? m : undefined;
    },
    60000,
    50,
  );
  const masterAt = Date.now();
  t.is(master, withData.address, 'the node with data is elected, not the empty one that started first');
  t.is(await env.role(withData.port), 'master');
  await synced(env, empty, withData.address);
  const syncedAt = Date.now();
  t.regex(
    empty.proc.log(),
    /the longest history is .*this node is empty.*gets \d+ ms to come back first|contender \S+ holds (data and this node has none|a longer history)/,
  );
  t.regex(decidedLine(empty), new RegExp(`"decision":"replicate","master":"${withData.address}"`));

  const recovered = await Promise.all([withData, empty].map((r) => keysOn(env, r.port)));
  t.deepEqual(recovered, [N, N], 'every key on the node with data and on the empty one');
  await sentinelsRepointed(d, withData.address);
  t.true(empty.proc.running && withData.proc.running);

  recordFigures(t, 'whole-set-restart/empty-node-first', {
    keysWritten: N,
    keysRecovered: recovered,
    dataNodeStartToMasterMs: masterAt - dataStarted,
    emptyNodeStartToMasterMs: masterAt - emptyStarted,
    dataNodeStartToEmptySyncedMs: syncedAt - dataStarted,
  });
});
