import Redis from 'ioredis';
import { missingHistoryKeys, writeHistoryBatch } from '../packages/local-stack/src/harness';
import type { Ours } from './deployment';
import { plainSentinels, sentinelClient, settle } from './failover';
import { ask, freePort, onlineReplicas, plainRedis, type Processes, sleep, until } from './lib';

/**
 * The whole set cold-restarted, its nodes with different histories (as the freshest-data test
 * makes them): C stopped after batch 1, B after batch 2, A (the master) after batch 3, which A
 * alone took (min-replicas-to-write 0 for it). Then all three started again on their data,
 * oldest history first (C, B, A, 1.5 s apart), the sentinels running throughout. Measured: from
 * C's start to a write through Sentinel, and the keys of the three batches the master lacks once
 * the set is back (every one of them was acknowledged).
 */
export interface ColdRestartFigures {
  writableMs: number;
  lost: number;
}

/** One redis node of a rig: its port, how to kill it, and how to start it again on its data. */
interface RigNode {
  port: number;
  kill(): Promise<void>;
  start(): Promise<void>;
}

const GAP_MS = 1500;

async function onNode<T>(port: number, use: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, lazyConnect: true });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await use(r);
  } finally {
    r.disconnect();
  }
}

async function coldRestart(nodes: { A: RigNode; B: RigNode; C: RigNode }, sentinels: number[], masterPort: () => Promise<number>): Promise<ColdRestartFigures> {
  const { A, B, C } = nodes;
  await onNode(A.port, (r) => writeHistoryBatch(r, 1, 2));
  await C.kill();
  await onNode(A.port, (r) => writeHistoryBatch(r, 2, 1));
  await sleep(1500); // ours: member records lag the data by up to a second
  await B.kill();
  await onNode(A.port, async (r) => {
    await r.config('SET', 'min-replicas-to-write', '0');
    await writeHistoryBatch(r, 3, 0);
  });
  await sleep(1500);
  await A.kill();

  const client = sentinelClient(sentinels);
  const startedAt = Date.now();
  let writableAt = 0;
  const probing = (async () => {
    while (!writableAt && Date.now() - startedAt < 120000) {
      if (await client.set('cold-restart', '1').catch(() => null)) writableAt = Date.now();
      else await sleep(20);
    }
  })();
  for (const n of [C, B, A]) {
    await n.start();
    if (n !== A) await sleep(GAP_MS);
  }
  await probing;
  client.disconnect();
  await until('2 synced replicas', async () => (await onlineReplicas(await masterPort())) >= 2, 60000, 100);
  await settle(sentinels, 2);
  const lost = await onNode(await masterPort(), (r) => missingHistoryKeys(r, 3));
  return { writableMs: writableAt ? writableAt - startedAt : NaN, lost };
}

/** Plain Redis + Sentinel: the servers started again with the same command line and config file. */
export async function plainColdRestart(ps: Processes, round: number): Promise<ColdRestartFigures> {
  const label = (i: number) => `cr-plain-${round}-${i}`;
  const master = await plainRedis(ps, label(0));
  const replicas = await Promise.all([1, 2].map((i) => plainRedis(ps, label(i), master.port)));
  const { ports: sentinels } = await plainSentinels(ps, `cr-plain-${round}-s`, master.port);
  await settle(sentinels, 2);
  const procs = [master, ...replicas].map((x) => x.proc);
  const node = (i: number, port: number, replicaOf?: number): RigNode => ({
    port,
    kill: async () => {
      procs[i]!.killGroup('SIGKILL');
      await procs[i]!.exited;
    },
    start: async () => {
      procs[i] = (await plainRedis(ps, label(i), replicaOf, port)).proc;
    },
  });
  const current = async () => Number(((await ask(sentinels[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[])[1]);
  return coldRestart({ A: node(0, master.port), B: node(1, replicas[0]!.port, master.port), C: node(2, replicas[1]!.port, master.port) }, sentinels, current);
}

/** Ours: each redis task started again on its data directory and ports, as Marathon does with persistent volumes. */
export async function oursColdRestart(ours: Ours, ps: Processes, round: number): Promise<ColdRestartFigures> {
  const root = `/bench-cold-restart-${round}`;
  const env = await Promise.all(
    [0, 1, 2].map(async (i) => ({
      PORT0: String(await freePort()),
      PORT1: String(await freePort()),
      DATA_DIR: ps.sub(`cr-ours-${round}-${i}`),
      // The shipped wait for a longer history (the bench's other rows start with none).
      ELECTION_DATA_WAIT_MS: '10000',
    })),
  );
  const d = await ours.deploy(ps, root, { redis: env });
  const sentinels = d.sentinels.map((s) => s.port);
  await settle(sentinels, 2);
  const masterPort = async () => (await d.dir.readMaster('mymaster'))!.address!.port;
  const first = await masterPort();
  const order = [...d.redis].sort((a, b) => Number(b.port === first) - Number(a.port === first));
  const procs = order.map((x) => x.proc);
  const node = (i: number): RigNode => ({
    port: order[i]!.port,
    kill: async () => {
      procs[i]!.killGroup('SIGKILL');
      await procs[i]!.exited;
    },
    start: async () => {
      const e = env[d.redis.indexOf(order[i]!)]!;
      procs[i] = (await ours.task(ps, 'redis-wrapper', root, e)).proc;
    },
  });
  return coldRestart({ A: node(0), B: node(1), C: node(2) }, sentinels, masterPort);
}
