import type { ManagedProcess } from '../packages/local-stack/src/managed-process';
import { WaitWriter } from '../packages/local-stack/src/wait-writer';
import type { Ours } from './deployment';
import { addrOf, plainSentinels, settleRig } from './failover';
import { ask, plainRedis, type Processes, until } from './lib';

/** What one planned stop costs the WAIT-1 writer. */
export interface Gap {
  /** Longest gap between two acknowledged writes from the first stop to the set being whole again. */
  gapMs: number;
  /** Per stop, in order: whether it stopped the master, and the longest gap from its start to the set being whole again. */
  stops: Array<{ master: boolean; gapMs: number }>;
}

export interface SwitchoverRig {
  /** The master's task is stopped (and replaced, as Marathon does), the writer keeps writing. */
  plannedRestart(): Promise<Gap>;
  /** Every task the round starts with is stopped and replaced in turn, waiting for the set to be whole in between. */
  rollingRestart(): Promise<Gap>;
  /** Stops the writer; the acknowledged writes it cannot read back on the current master. */
  dispose(): Promise<{ lost: number; acked: number }>;
}

/** Same writer for both rigs: through the sentinels, WAIT 1, reconnecting after 20 ms like the bench's other clients. */
const writerOf = (sentinels: number[]) => {
  const w = new WaitWriter({ sentinels: sentinels.map((port) => ({ host: '127.0.0.1', port })), name: 'mymaster', retryMs: 20 });
  w.start();
  return w;
};

/** Runs `stops` (one planned stop each; each says whether it stopped the master), then waits for writes and a whole set; the longest gap over all of it. */
async function measured(w: WaitWriter, stops: Array<() => Promise<boolean>>, settle: () => Promise<void>): Promise<Gap> {
  await settle();
  await until('writes flowing', () => w.ackedSince(Date.now() - 1000) > 20, 30000, 20);
  const from = Date.now();
  const each: Array<{ master: boolean; from: number; to: number }> = [];
  for (const stop of stops) {
    const began = Date.now();
    const master = await stop();
    await settle(); // Marathon's health gate: the next task is stopped once the replacement is in
    each.push({ master, from: began, to: Date.now() });
  }
  const after = Date.now();
  await until('writes after the restart', () => w.ackedSince(after) > 20, 30000, 20);
  const end = Date.now();
  return {
    gapMs: w.longestGap(from, end),
    stops: each.map((x, i) => ({ master: x.master, gapMs: w.longestGap(x.from, i === each.length - 1 ? end : x.to) })),
  };
}

/** One rig's rounds, given how it restarts a node: the master alone, or every node the round starts with in turn. */
function rigOf<N extends { port: number }>(o: {
  w: WaitWriter;
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
      const f = await o.w.stop();
      return { lost: f.lost, acked: f.acked };
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
  const w = writerOf(sentinels);
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
  const w = writerOf(sentinels);
  const currentMaster = async () => (await d.dir.readMaster('mymaster'))!.address!.port;
  const settle = () => settleRig(sentinels, currentMaster);
  const restart = async (task: (typeof tasks)[number]) => {
    await task.proc.stop(40000); // SIGTERM; Marathon's grace period is 30 s, SWITCHOVER_TIMEOUT_MS 20 s
    tasks = tasks.filter((x) => x !== task);
    tasks.push(await ours.task(ps, 'redis-wrapper', root));
  };
  return rigOf({ w, nodes: () => tasks, currentMaster, settle, restart });
}
