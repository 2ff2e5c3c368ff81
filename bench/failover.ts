import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { ask, freePort, onlineReplicas, plainRedis, type Processes, sleep, until } from './lib';
import { FAST_DOWN_AFTER_MS, FAST_SENTINEL, type Ours } from './deployment';
import { type Freezable, freezeRound, groupOf, type MinorityFigures, minorityRound } from './fencing';

/** The freeze rows: the master stopped for 3 x down-after (as in the issue and the partition test). */
const FREEZE_MS = 3 * FAST_DOWN_AFTER_MS;
/** The minority rows: how long the master is left alone (longer than any fence or max-lag needs). */
const CUT_MS = 6000;

export interface FailoverTimes {
  sentinel: number;
  zookeeper?: number;
  zkClient?: number;
  sentinelClient: number;
}

export const addrOf = async (sentinelPort: number, name = 'mymaster') => {
  const r = (await ask(sentinelPort, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[] | undefined;
  return r ? Number(r[1]) : undefined;
};

/**
 * Sentinel's switch, as its clients see it: the first sentinel (usually the failover's leader)
 * answering GET-MASTER-ADDR-BY-NAME with another master. Same definition for both rigs.
 */
export const sentinelSwitched = (sentinels: number[], from: number, name = 'mymaster') =>
  until(
    'Sentinel switched',
    async () => {
      const answers = await Promise.all(sentinels.map((s) => addrOf(s, name)));
      return answers.some((port) => port !== undefined && port !== from) ? 1 : 0;
    },
    60000,
    5,
  );

/** A writer that measures when writes work again after `since`. */
class Prober {
  private okAt = 0;
  private running = true;
  private readonly loop: Promise<void>;
  constructor(private readonly write: () => Promise<unknown>) {
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.write();
          this.okAt = Date.now();
        } catch {
          /* outage */
        }
        await sleep(5);
      }
    })();
  }
  async firstOkAfter(t: number, timeoutMs = 60000): Promise<number> {
    return until('writes again', () => (this.okAt > t ? this.okAt : 0), timeoutMs, 5);
  }
  async stop() {
    this.running = false;
    await this.loop;
  }
}

export function sentinelClient(sentinels: number[]) {
  const c = new Redis({
    sentinels: sentinels.map((port) => ({ host: '127.0.0.1', port })),
    name: 'mymaster',
    sentinelRetryStrategy: () => 20,
    retryStrategy: () => 20,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    enableOfflineQueue: false,
  });
  c.on('error', () => undefined);
  return c;
}

/** What a round kills: the whole task (kill -9 of the host's processes), or only redis-server (a crash, an OOM kill) under a live wrapper. */
export type Kill = 'task' | 'server';

export interface FailoverRig {
  round(kill?: Kill): Promise<FailoverTimes>;
  /** The master's task frozen for FREEZE_MS (Sentinel fails over), then resumed: resume → the old master is a replica (ms). */
  freeze(): Promise<number>;
  /** The master left with one sentinel for CUT_MS, a client writing to it (see fencing.ts). */
  minority(): Promise<MinorityFigures>;
  masterPort(): Promise<number>;
  /** Ours only: the watcher's HTTP port and process. */
  watcherPort?: number;
  watcherPid?: number;
  /** Ours only: the deployment's ZK_ROOT. */
  root?: string;
  /** A sentinel that lives through every round. */
  sentinelPort: number;
  /**
   * Until the last failover is over: every sentinel knows 2 healthy replicas and the master
   * streams to 2 synced replicas (a round ends as soon as clients write again, while Sentinel
   * may still be reconfiguring replicas and the replacement still syncing).
   */
  settle(): Promise<void>;
  dispose(): Promise<void>;
}

export async function settleRig(sentinels: number[], masterPort: () => Promise<number>): Promise<void> {
  await settle(sentinels, 2);
  const port = await masterPort();
  await until('2 synced replicas', async () => (await onlineReplicas(port)) >= 2, 60000, 100);
}

/** How a rig's Sentinel runs: down-after as in the bench (2000) unless given (the shipped 5000 for the crash rows). */
export interface RigOptions {
  downAfterMs?: number;
  /** Names the rig's processes and ZooKeeper root apart from another rig's. */
  label?: string;
}

/** Plain Redis Sentinel with hand-written configs: 3 redis, 3 sentinels. */
export async function plainFailoverRig(ps: Processes, o: RigOptions = {}): Promise<FailoverRig> {
  const label = `fo-plain${o.label ?? ''}`;
  const master = await plainRedis(ps, `${label}-m`);
  let nodes = [master, ...(await Promise.all([1, 2].map((i) => plainRedis(ps, `${label}-r${i}`, master.port))))];
  const { ports: sentinels, procs: sentinelProcs } = await plainSentinels(ps, `${label}-s`, master.port, o.downAfterMs);
  const client = sentinelClient(sentinels);
  const prober = new Prober(() => client.set('bench', '1'));
  let r = 0;
  const currentMaster = () => until('a master', () => addrOf(sentinels[0]!));
  return {
    masterPort: currentMaster,
    sentinelPort: sentinels[0]!,
    // Plain Redis has no wrapper: a crash of redis-server is the whole node.
    async round(_kill: Kill = 'task') {
      const masterPort = await currentMaster();
      await settle(sentinels, 2);
      const victim = nodes.find((x) => x.port === masterPort)!;
      const killed = Date.now();
      victim.proc.killGroup('SIGKILL');
      await sentinelSwitched(sentinels, masterPort);
      const sentinel = Date.now() - killed;
      const sentinelClientMs = (await prober.firstOkAfter(killed)) - killed;
      // Replace the dead node as a replica of the new master, as an operator (or Marathon) would.
      // Asked of sentinels[0] until it has switched too: the first to switch may have been another.
      const now = await until('new master', async () => {
        const p = await addrOf(sentinels[0]!);
        return p !== masterPort ? p : undefined;
      });
      nodes = nodes.filter((x) => x !== victim);
      nodes.push(await plainRedis(ps, `${label}-x${++r}`, now));
      return { sentinel, sentinelClient: sentinelClientMs };
    },
    async freeze() {
      const masterPort = await currentMaster();
      await settle(sentinels, 2);
      const victim = nodes.find((x) => x.port === masterPort)!;
      return freezeRound({ port: masterPort, freeze: groupOf(victim.proc) }, FREEZE_MS, () => sentinelSwitched(sentinels, masterPort));
    },
    async minority() {
      const masterPort = await currentMaster();
      await settle(sentinels, 2);
      const replicas = nodes.filter((x) => x.port !== masterPort).map((x) => groupOf(x.proc));
      return minorityRound(masterPort, [...replicas, ...sentinelProcs.slice(1)], CUT_MS);
    },
    settle: () => settleRig(sentinels, currentMaster),
    async dispose() {
      await prober.stop();
      client.disconnect();
    },
  };
}

/** 3 plain sentinels with hand-written configs monitoring `masterPort` as `mymaster` (down-after as ours in the bench). */
export async function plainSentinels(
  ps: Processes,
  prefix: string,
  masterPort: number,
  downAfterMs = FAST_DOWN_AFTER_MS,
): Promise<{ ports: number[]; procs: Freezable[] }> {
  const ports: number[] = [];
  const procs: Freezable[] = [];
  for (let i = 0; i < 3; i += 1) {
    const port = await freePort();
    const dir = ps.sub(`${prefix}${i}`);
    const conf = path.join(dir, 'sentinel.conf');
    fs.writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor mymaster 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds mymaster ${downAfterMs}`,
        `sentinel failover-timeout mymaster ${FAST_SENTINEL.SENTINEL_FAILOVER_TIMEOUT_MS}`,
      ].join('\n'),
    );
    procs.push(groupOf(ps.spawn(`${prefix}${i}`, 'redis-sentinel', [conf])));
    ports.push(port);
  }
  return { ports, procs };
}

/** Every sentinel agrees, knows `replicas` replicas and is out of TILT (30 s after it was frozen): a fair start for the next round. */
export async function settle(sentinels: number[], replicas: number, name = 'mymaster'): Promise<void> {
  let last = '';
  try {
    await until(
      'sentinels settled',
      async () => {
        for (const s of sentinels) {
          if (!/^sentinel_tilt:0/m.test(String((await ask(s, 'INFO', 'sentinel')) ?? ''))) return false;
          const m = (await ask(s, 'SENTINEL', 'MASTER', name)) as string[] | undefined;
          if (!m) return false;
          const map = new Map<string, string>();
          for (let i = 0; i + 1 < m.length; i += 2) map.set(m[i]!, m[i + 1]!);
          const replicasReply = (await ask(s, 'SENTINEL', 'REPLICAS', name)) as string[][] | undefined;
          last =
            `sentinel ${s}: flags=${map.get('flags')} num-slaves=${map.get('num-slaves')} ` +
            `replicas=${JSON.stringify((replicasReply ?? []).map((x) => `${x[3]}:${x[9]}`))}`;
          if (Number(map.get('num-slaves')) < replicas || (map.get('flags') ?? '') !== 'master') return false;
          if (!replicasReply || replicasReply.filter((x) => !x.join(',').includes('s_down') && !x.join(',').includes('disconnected')).length < replicas)
            return false;
        }
        return true;
      },
      60000,
      100,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${last}`);
  }
}

/** Our deployment: the same kill, also timed to ZooKeeper and to a client that reads it. */
export async function oursFailoverRig(ours: Ours, ps: Processes, o: RigOptions = {}): Promise<FailoverRig> {
  const root = `/bench-failover${o.label ?? ''}`;
  const d = await ours.deploy(ps, root, o.downAfterMs ? { env: { SENTINEL_DOWN_AFTER_MS: String(o.downAfterMs) } } : {});
  const sentinels = d.sentinels.map((s) => s.port);
  let tasks = d.redis;
  const client = sentinelClient(sentinels);
  const prober = new Prober(() => client.set('bench', '1'));
  // A client that discovers the master from ZooKeeper (re-read as soon as a write fails).
  let zkMaster = (await d.dir.readMaster('mymaster'))!.address!;
  let direct = directClient(zkMaster.port);
  const zkProber = new Prober(async () => {
    try {
      if (direct.status !== 'ready') await direct.connect();
      return await direct.set('bench-zk', '1');
    } catch (err) {
      const now = (await d.dir.readMaster('mymaster'))?.address;
      if (now && now.port !== zkMaster.port) {
        zkMaster = now;
        direct.disconnect();
        direct = directClient(now.port);
      } else if (direct.status !== 'ready') {
        direct.disconnect();
        direct = directClient(zkMaster.port);
      }
      throw err;
    }
  });
  const currentMaster = async () => (await d.dir.readMaster('mymaster'))!.address!.port;
  return {
    watcherPort: d.watchers[0]!.port,
    watcherPid: d.watchers[0]!.proc.pid,
    root,
    sentinelPort: sentinels[0]!,
    masterPort: currentMaster,
    async round(kill: Kill = 'task') {
      await settle(sentinels, 2);
      const masterPort = await currentMaster();
      const victim = tasks.find((x) => x.port === masterPort)!;
      const server = kill === 'server' ? serverPid(victim.proc.pid) : undefined;
      const killed = Date.now();
      if (server) process.kill(server, 'SIGKILL');
      else victim.proc.killGroup('SIGKILL');
      await sentinelSwitched(sentinels, masterPort);
      const sentinel = Date.now() - killed;
      await until('ZooKeeper updated', async () => ((await d.dir.readMaster('mymaster'))?.address?.port !== masterPort ? 1 : 0), 60000, 5);
      const zookeeper = Date.now() - killed;
      const zkClient = (await zkProber.firstOkAfter(killed)) - killed;
      const sentinelClientMs = (await prober.firstOkAfter(killed)) - killed;
      await victim.proc.exited; // the wrapper exits once redis-server is gone (after asking Sentinel to fail over)
      tasks = tasks.filter((x) => x !== victim);
      tasks.push(await ours.task(ps, 'redis-wrapper', root)); // Marathon replaces the task
      return { sentinel, zookeeper, zkClient, sentinelClient: sentinelClientMs };
    },
    async freeze() {
      await settle(sentinels, 2);
      const masterPort = await currentMaster();
      const victim = tasks.find((x) => x.port === masterPort)!;
      return freezeRound({ port: masterPort, freeze: groupOf(victim.proc) }, FREEZE_MS, () => sentinelSwitched(sentinels, masterPort));
    },
    async minority() {
      await settle(sentinels, 2);
      const masterPort = await currentMaster();
      const replicas = tasks.filter((x) => x.port !== masterPort).map((x) => groupOf(x.proc));
      const zk: Freezable = { stop: () => ours.zk.pause(), cont: () => ours.zk.cont() };
      return minorityRound(masterPort, [...replicas, ...d.sentinels.slice(1).map((x) => groupOf(x.proc)), zk], CUT_MS);
    },
    settle: () => settleRig(sentinels, currentMaster),
    async dispose() {
      await prober.stop();
      await zkProber.stop();
      client.disconnect();
      direct.disconnect();
    },
  };
}

/** The redis-server a wrapper runs (its child). */
export function serverPid(wrapperPid: number): number {
  const out = spawnSync('pgrep', ['-P', String(wrapperPid), 'redis-server'], { encoding: 'utf8' }).stdout.trim();
  const pid = Number(out.split('\n')[0]);
  if (!pid) throw new Error(`bench: no redis-server under wrapper ${wrapperPid}`);
  return pid;
}

/** A plain client of one redis port (no retries, no queue): the ZooKeeper-discovering client's connection. */
function directClient(port: number): Redis {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    commandTimeout: 500,
    enableOfflineQueue: false,
    lazyConnect: true,
  });
  r.on('error', () => undefined);
  return r;
}
