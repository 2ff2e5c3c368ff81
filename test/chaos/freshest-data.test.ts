import path from 'node:path';
import test from 'ava';
import { TestEnv, type Task } from '../helpers/env';
import { killTask, portOf, zkMasterRaw } from '../helpers/failovers';
import { info } from '../helpers/redis-info';
import { recordFigures } from '../helpers/figures';
import { sleep, waitFor } from '../helpers/wait';
import { HISTORY_BATCH, writeHistoryBatch } from '../../packages/local-stack/src/harness';

// A whole set lost, its three nodes with different histories: C stopped first, B later, A (the
// master) last, with writes between. Restarted in every order, the node with the longest history
// (A) is elected and every key comes back; before, any node with data could win and the writes
// only A had were lost. Serial: each round is a whole deployment.

const ORDERS = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
] as const;
const GAP_MS = 1500;

async function write(env: TestEnv, port: number, batch: number, acks: number): Promise<void> {
  const r = env.redis(port);
  try {
    await writeHistoryBatch(r, batch, acks);
  } finally {
    r.disconnect();
  }
}

/** Waits until the node's member record in ZooKeeper has caught up with its offset. */
async function published(_env: TestEnv, task: Task, dir: Awaited<ReturnType<TestEnv['directory']>>): Promise<number> {
  return waitFor(
    `${task.address}'s member record to reach its offset`,
    async () => {
      const offset = Number((await info(task.port))?.get('master_repl_offset'));
      const records = await dir.readMemberRecords('mymaster');
      const mine = records.find((r) => `${r.address.host}:${r.address.port}` === task.address);
      return mine && mine.offset === offset ? offset : undefined;
    },
    15000,
    100,
  );
}

for (const order of ORDERS) {
  const names = order.map((i) => 'ABC'[i]).join(' → ');
  test.serial(`histories A > B > C, restarted ${names}: A is elected, every key back`, async (t) => {
    const env = await TestEnv.create(t);
    const dataDirs = [1, 2, 3].map((i) => path.join(env.dir, `redis-data-${i}`));
    const d = await env.deploy({ dataDirs, sentinels: 1, watchers: 0 });
    const dir = await env.directory();
    const byRole = d.redis.find((r) => r.address === d.master)!;
    const others = d.redis.filter((r) => r !== byRole);
    const [A, B, C] = [byRole, others[0]!, others[1]!];

    await write(env, A.port, 1, 2);
    await killTask(C);
    await write(env, A.port, 2, 1);
    await published(env, B, dir);
    await killTask(B);
    // A alone: let it take writes without a replica, so its history is the longest.
    const a = env.redis(A.port);
    await a.config('SET', 'min-replicas-to-write', '0');
    a.disconnect();
    await write(env, A.port, 3, 0);
    const offsetA = await published(env, A, dir);
    await killTask(A);

    const dirs = [A, B, C].map((x) => x.dataDir);
    const started: Task[] = [];
    const startedAt: number[] = [];
    const starting = (async () => {
      for (const i of order) {
        startedAt[i] = Date.now();
        started[i] = await env.start('redis-wrapper', { DATA_DIR: dirs[i]! });
        if (i !== order[2]) await sleep(GAP_MS);
      }
    })();
    const master = await waitFor(
      'ZooKeeper to name a new task',
      async () => {
        const m = await zkMasterRaw(d.dir);
        return m && started.some((s) => s?.address === m) ? m : undefined;
      },
      60000,
      50,
    );
    const electedMs = Date.now() - startedAt[0]!;
    await starting;
    const winner = started[0]!;
    t.is(master, winner.address, `A's data (offset ${offsetA}) is elected`);
    for (const s of started) {
      await waitFor(
        `${s.address} holds every batch`,
        async () => {
          const r = env.redis(s.port);
          try {
            const got = await r.mget('b1:0', `b1:${HISTORY_BATCH - 1}`, 'b2:0', `b2:${HISTORY_BATCH - 1}`, 'b3:0', `b3:${HISTORY_BATCH - 1}`);
            return got.every((v) => v !== null);
          } finally {
            r.disconnect();
          }
        },
        30000,
        200,
      );
    }
    const r = env.redis(portOf(master));
    t.is(Number(await r.dbsize()), 3 * HISTORY_BATCH, 'no key lost, none extra');
    r.disconnect();
    recordFigures(t, `freshest-data/${order.join('')}`, { order: names, startOfAToElectedMs: electedMs, offsetA });
  });
}
