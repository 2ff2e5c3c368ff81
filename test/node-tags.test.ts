import path from 'node:path';
import test from 'ava';
import { TestEnv, type Task } from './helpers/env';
import { FAST_SENTINEL, liveRedis, replication, stopOnTeardown, waitSteady, zkMaster } from './helpers/chaos';
import { killTask, zkMasterRaw } from './helpers/failovers';
import { cli } from './helpers/cli';
import { SteadyWriter } from './helpers/writer';
import { waitFor } from './helpers/wait';
import { HISTORY_BATCH, missingHistoryKeys, writeHistoryBatch } from '../packages/local-stack/src/harness';

// Node tags (#29 point 3): NEVER_PROMOTE=yes is replica-priority 0 for Sentinel and a node no
// wrapper elects while another node has data.

const NEVER = { NEVER_PROMOTE: 'yes' };

/** The never-promote task of a deployment and the others. */
const split = (redis: readonly Task[], never: Task) => ({ never, others: redis.filter((r) => r !== never) });

async function priorityOf(env: TestEnv, port: number): Promise<string> {
  const r = env.redis(port);
  try {
    return ((await r.config('GET', 'replica-priority')) as string[])[1]!;
  } finally {
    r.disconnect();
  }
}

test('a never-promote replica is never promoted: the master killed twice, the other replica is each time', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ redisEnv: [NEVER, {}, {}], env: FAST_SENTINEL });
  const { never } = split(d.redis, d.redis[0]!);
  t.not(d.master, never.address, 'the never-promote node did not win the first election');
  t.is(await priorityOf(env, never.port), '0', 'replica-priority 0 for Sentinel');

  const status = await cli(env, 'status', '--json');
  t.is(status.code, 0, status.err);
  const replicas = (JSON.parse(status.out) as Record<string, { replicas: Array<{ address: { port: number }; tags?: { neverPromote: boolean } }> }>).mymaster!
    .replicas;
  t.true(replicas.find((r) => r.address.port === never.port)?.tags?.neverPromote, 'status shows the tag');
  t.regex((await cli(env, 'status')).out, /never-promote/);

  // WAIT 2: an acknowledgement from the never-promote replica alone does not survive a failover
  // (docs/operate.md; a loaded run lost 70 such writes when the promotable replica lagged).
  const writer = stopOnTeardown(t, new SteadyWriter(env, d, { replicas: 2 }));
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 20, 20000);
  let master = d.master;
  for (let round = 1; round <= 2; round += 1) {
    const victim = liveRedis(d).find((r) => r.address === master)!;
    await killTask(victim);
    d.redis.push(await env.start('redis-wrapper', FAST_SENTINEL));
    const promoted = await waitFor(
      `round ${round}: a new master in ZooKeeper`,
      async () => {
        const m = await zkMaster(d);
        return m && m !== master ? m : undefined;
      },
      30000,
      50,
    );
    t.not(promoted, never.address, `round ${round}: the never-promote node was not promoted`);
    master = await waitSteady(env, d, { timeoutMs: 60000 });
    t.not(master, never.address, `round ${round}: settled on a promotable node`);
    t.is((await replication(never.port))?.get('role'), 'slave');
  }
  const figures = await writer.stop();
  t.is(figures.lost, 0, 'no acknowledged write lost');
});

test('a never-promote node with the longest history never wins the cold start while another node has data', async (t) => {
  const env = await TestEnv.create(t);
  const [dirN, dirP] = [1, 2].map((i) => path.join(env.dir, `redis-data-${i}`));
  // N is master first (not yet tagged) and takes writes alone at the end: its history is the longest.
  const n = await env.start('redis-wrapper', { DATA_DIR: dirN });
  await waitFor('N to be master in ZooKeeper', async () => (await zkMasterRaw(await env.directory())) === n.address, 30000, 100);
  const p = await env.start('redis-wrapper', { DATA_DIR: dirP });
  await waitFor('P to be a synced replica of N', async () => (await replication(p.port))?.get('master_link_status') === 'up', 30000, 100);
  const r = env.redis(n.port);
  await writeHistoryBatch(r, 1, 1);
  // P holds batch 1 (its offset is N's), then stops as planned, so its data directory has it all
  // (a kill -9 right after WAIT may beat the AOF's write on a loaded host: 9 of 300 were missing once).
  const batch1 = Number((await replication(n.port))?.get('master_repl_offset'));
  await waitFor('P to hold batch 1', async () => Number((await replication(p.port))?.get('master_repl_offset')) >= batch1, 15000, 50);
  await p.proc.stop(10000);
  await r.config('SET', 'min-replicas-to-write', '0');
  await writeHistoryBatch(r, 2, 0);
  r.disconnect();
  const dir = await env.directory();
  const offsetN = Number((await replication(n.port))?.get('master_repl_offset'));
  await waitFor("N's member record to reach its offset", async () => (await dir.readMemberRecords('mymaster')).some((x) => x.offset === offsetN), 15000, 100);
  await killTask(n);

  // N comes back first, tagged never-promote: it waits for P, which holds data...
  const back = await env.start('redis-wrapper', { ...NEVER, DATA_DIR: dirN, ELECTION_DATA_WAIT_MS: '120000', MASTER_WAIT_TIMEOUT_MS: '120000' });
  await back.proc.waitForLog(/this node is never-promote and [0-9a-f-]+ \(last at [^)]+\) may hold data/, 30000);
  t.not(await zkMasterRaw(dir), back.address);
  // ...and P, back too, does not wait for N's longer history: it is master, N its replica.
  const promotable = await env.start('redis-wrapper', { DATA_DIR: dirP, ELECTION_DATA_WAIT_MS: '120000' });
  await waitFor('P to be master in ZooKeeper', async () => (await zkMasterRaw(dir)) === promotable.address, 60000, 100);
  await waitFor(
    'N to replicate P',
    async () => {
      const rep = await replication(back.port);
      return rep?.get('role') === 'slave' && Number(rep.get('master_port')) === promotable.port && rep.get('master_link_status') === 'up';
    },
    60000,
    100,
  );
  const m = env.redis(promotable.port);
  t.is(await missingHistoryKeys(m, 1), 0, `the ${HISTORY_BATCH} keys both nodes acknowledged are back`);
  m.disconnect();
  t.pass('the writes only N held (taken without a replica) are given up: the price of never promoting it, documented');
});
