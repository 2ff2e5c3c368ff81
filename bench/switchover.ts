import type { AckingWriter } from '../packages/local-stack/src/ack-log';
import type { ManagedProcess } from '../packages/local-stack/src/managed-process';
import { PyWaitWriter } from '../packages/local-stack/src/py-wait-writer';
import { WaitWriter, type WaitWriterFigures } from '../packages/local-stack/src/wait-writer';
import type { Ours } from './deployment';
import { addrOf, plainSentinels, settleRig } from './failover';
import { ask, plainRedis, type Processes, until } from './lib';

/** The client libraries whose WAIT-1 writers run side by side: they find the master differently (redis-py by SENTINEL MASTERS). */
export const CLIENTS = ['ioredis', 'redis-py'] as const;
export type Client = (typeof CLIENTS)[number];
type PerClient<T> = Record<Client, T>;

/** What one planned stop costs each client's WAIT-1 writer. */
export interface Gap {
  /** Longest gap between two acknowledged writes from the first stop to the set being whole again. */
  gapMs: PerClient<number>;
  /** Per stop, in order: whether it stopped the master, and the longest gap from its start to the set being whole again. */
  stops: Array<{ master: boolean; gapMs: PerClient<number> }>;
}

export interface SwitchoverRig {
  /** The master's task is stopped (and replaced, as Marathon does), the writers keep writing. */
  plannedRestart(): Promise<Gap>;
  /** Every task the round starts with is stopped and replaced in turn, waiting for the set to be whole in between. */
  rollingRestart(): Promise<Gap>;
  /** Stops the writers; per client, the acknowledged writes it cannot read back on the current master. */
  dispose(): Promise<PerClient<{ lost: number; acked: number }>>;
}

type Writers = PerClient<AckingWriter>;
export const perClientOf = <T>(f: (c: Client) => T): PerClient<T> => ({ ioredis: f('ioredis'), 'redis-py': f('redis-py') });

/** The same writers for both rigs: through the sentinels, WAIT 1, asking again after 20 ms like the bench's other clients. */
const writersOf = (sentinels: number[]): Writers => {
  const o = { sentinels: sentinels.map((port) => ({ host: '127.0.0.1', port })), name: 'mymaster', retryMs: 20 };
  const w = { ioredis: new WaitWriter(o), 'redis-py': new PyWaitWriter(o) };
  w.ioredis.start();
  w['redis-py'].start();
  return w;
};

const flowing = (w: Writers, t: number) => CLIENTS.every((c) => w[c].ackedSince(t) > 20);

/** Runs `stops` (one planned stop each; each says whether it stopped the master), then waits for writes and a whole set; the longest gap over all of it. */
async function measured(w: Writers, stops: Array<() => Promise<boolean>>, settle: () => Promise<void>): Promise<Gap> {
  await settle();
  await until('writes flowing', () => flowing(w, Date.now() - 1000), 30000, 20);
  const from = Date.now();
  const each: Array<{ master: boolean; from: number; to: number }> = [];
  for (const stop of stops) {
    const began = Date.now();
    const master = await stop();
    await settle(); // Marathon's health gate: the next task is stopped once the replacement is in
    each.push({ master, from: began, to: Date.now() });
  }
  const after = Date.now();
  await until('writes after the restart', () => flowing(w, after), 30000, 20);
  const end = Date.now();
  return {
    gapMs: perClientOf((c) => w[c].longestGap(from, end)),
    stops: each.map((x, i) => ({ master: x.master, gapMs: perClientOf((c) => w[c].longestGap(x.from, i === each.length - 1 ? end : x.to)) })),
  };
}

/** One rig's rounds, given how it restarts a node: the master alone, or every node the round starts with in turn. */
function rigOf<N extends { port: number }>(o: {
  w: Writers;
  nodes: () => readonly N[];
  currentMaster: () => Promise<number>;
  settle: () => Promise<void>;
  restart: (node: N) => Promise<void>;
}): SwitchoverRig {
  const restart = async (node: N) => {
    const master = node.port === (await o.currentMaster());
    await o.restart(node);
    return master;
  };
  return {
    plannedRestart: () =>
      measured(
        o.w,
        [
          async () => {
            const port = await o.currentMaster();
            return restart(o.nodes().find((x) => x.port === port)!);
          },
        ],
        o.settle,
      ),
    rollingRestart: () =>
      measured(
        o.w,
        o.nodes().map((x) => () => restart(x)),
        o.settle,
      ),
    async dispose() {
      const f: PerClient<WaitWriterFigures> = { ioredis: await o.w.ioredis.stop(), 'redis-py': await o.w['redis-py'].stop() };
      return perClientOf((c) => ({ lost: f[c].lost, acked: f[c].acked }));
    },
  };
}

/**
 * Plain Redis + Sentinel, the planned restart an operator does: SENTINEL FAILOVER, wait until
 * Sentinel names the new master, stop the old one (SIGTERM: redis saves and exits), start it again
 * as a replica of the new master. A replica is just stopped and started again.
 */
export async function plainSwitchoverRig(ps: Processes): Promise<SwitchoverRig> {
  const master = await plainRedis(ps, 'so-plain-m');
  let nodes = [master, ...(await Promise.all([1, 2].map((i) => plainRedis(ps, `so-plain-r${i}`, master.port))))];
  const { ports: sentinels } = await plainSentinels(ps, 'so-plain-s', master.port);
  const w = writersOf(sentinels);
  const currentMaster = () => until('a master', () => addrOf(sentinels[0]!));
  const settle = () => settleRig(sentinels, currentMaster);
  let n = 0;
  const restart = async (node: { port: number; proc: ManagedProcess }) => {
    const masterPort = await currentMaster();
    if (node.port === masterPort) {
      await until('Sentinel accepts the failover', async () => (await ask(sentinels[0]!, 'SENTINEL', 'FAILOVER', 'mymaster')) === 'OK', 30000, 100);
      await until('Sentinel names the new master', async () => ((await addrOf(sentinels[0]!)) ?? masterPort) !== masterPort, 30000, 5);
    }
    await node.proc.stop(10000);
    nodes = nodes.filter((x) => x !== node);
    nodes.push(await plainRedis(ps, `so-plain-x${++n}`, await currentMaster()));
  };
  return rigOf({ w, nodes: () => nodes, currentMaster, settle, restart });
}

/** Ours: SIGTERM to the task (redis-wrapper hands over first), a new task in its place, as Marathon does. */
export async function oursSwitchoverRig(ours: Ours, ps: Processes): Promise<SwitchoverRig> {
  const root = '/bench-switchover';
  const d = await ours.deploy(ps, root);
  const sentinels = d.sentinels.map((s) => s.port);
  let tasks = d.redis;
  // The clients' list as `/sentinels` serves it (ZooKeeper's, by address), not the start order.
  const w = writersOf((await d.dir.listSentinels()).map((s) => s.address.port));
  const currentMaster = async () => (await d.dir.readMaster('mymaster'))!.address!.port;
  const settle = () => settleRig(sentinels, currentMaster);
  const restart = async (task: (typeof tasks)[number]) => {
    await task.proc.stop(40000); // SIGTERM; Marathon's grace period is 30 s, SWITCHOVER_TIMEOUT_MS 20 s
    tasks = tasks.filter((x) => x !== task);
    tasks.push(await ours.task(ps, 'redis-wrapper', root));
  };
  return rigOf({ w, nodes: () => tasks, currentMaster, settle, restart });
}
