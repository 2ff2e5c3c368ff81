import type { ExecutionContext } from 'ava';
import Redis from 'ioredis';
import type { Deployment, Task, TestEnv } from './env';
import { ask, sentinelMasterAddr } from './sentinel';
import { testAuth } from './client-auth';
import { sleep, waitFor } from './wait';
import { portOf } from '../../packages/local-stack/src/harness';
import { info } from './redis-info';

/** Small generic pieces shared by the chaos scenarios. */

/**
 * Sentinel timing for the chaos scenarios: down-after 2 s instead of FAST_SENTINEL's 1 s.
 *
 * With down-after-milliseconds at or below Sentinel's ping period (1000 ms), Redis Sentinel
 * (seen with 7.0.15) fails over a healthy, just-promoted master: a sentinel that learns the new
 * master from a peer's hello resets its link (sentinelResetMaster sets act_ping_time = now) but
 * may only reconnect up to a ping period later (sentinelReconnectInstance is throttled by
 * last_reconn_time), so it marks the new master +sdown after exactly down-after; the peers'
 * SRI_MASTER_DOWN flags from the previous failover are kept (SENTINEL_RESET_NO_SENTINELS), so it
 * is +odown at once ("#quorum 3/2") and starts a second failover while the master serves. Writes
 * acknowledged (WAIT 1) by the demoted master in that window are lost. Not a redis-zk fault; the
 * shipped default is 5 s. 2 s keeps the scenarios quick and outside that race.
 */
export { FAST_SENTINEL, FAST_DOWN_AFTER_MS } from '../../packages/local-stack/src/harness';

export { portOf };

/** ZooKeeper's master of the deployment's set; undefined while ZooKeeper does not answer. */
export async function zkMaster(d: Deployment): Promise<string | undefined> {
  return (await d.dir.readMaster(d.name).catch(() => null))?.raw;
}

/** Waits (bounded) until ZooKeeper names a master other than `old`; returns it. */
export function zkMasterOtherThan(d: Deployment, old: string, what = 'ZooKeeper to name a new master', timeoutMs = 30_000): Promise<string> {
  return waitFor(
    what,
    async () => {
      const a = await zkMaster(d);
      return a && a !== old ? a : undefined;
    },
    timeoutMs,
    50,
  );
}

/** The redis tasks whose process is still running. */
export const liveRedis = (d: Deployment): Task[] => d.redis.filter((r) => r.proc.running);

/** INFO replication of a node as a map; undefined when it does not answer. */
export const replication = (port: number): Promise<Map<string, string> | undefined> => info(port, 'replication');

/** True once `port` is a replica of `masterPort` with its link up and no sync in progress. */
export async function isSyncedReplicaOf(port: number, masterPort: number): Promise<boolean> {
  const r = await replication(port);
  return (
    r?.get('role') === 'slave' &&
    Number(r.get('master_port')) === masterPort &&
    r.get('master_link_status') === 'up' &&
    r.get('master_sync_in_progress') === '0'
  );
}

/**
 * The replicas a sentinel considers usable for a failover (`SENTINEL REPLICAS`: flags exactly
 * `slave`, link to the master ok), as host:port. Sentinel never forgets a replica, so dead ones
 * (killed tasks) stay listed with `s_down`/`disconnected` and are not counted here; `num-slaves`
 * of `SENTINEL MASTER` counts them too.
 */
export async function usableReplicas(sentinelPort: number, name: string): Promise<string[]> {
  const reply = (await ask(sentinelPort, 'SENTINEL', 'REPLICAS', name)) as string[][];
  const out: string[] = [];
  for (const fields of reply) {
    const m = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) m.set(fields[i]!, fields[i + 1]!);
    if (m.get('flags') === 'slave' && m.get('master-link-status') === 'ok') out.push(`${m.get('ip')}:${m.get('port')}`);
  }
  return out;
}

/** Role of every live redis task, by address (undefined: it did not answer). */
export async function roles(env: TestEnv, d: Deployment): Promise<Map<string, string | undefined>> {
  const live = liveRedis(d);
  const answers = await Promise.all(live.map((r) => env.role(r.port)));
  return new Map(live.map((r, i) => [r.address, answers[i]]));
}

/**
 * The settled state every scenario ends in: among the live redis tasks exactly one is master,
 * ZooKeeper names it (so ZooKeeper names a node that answers as master, never a dead one), and
 * every other live task is a replica of it with its link up. Returns a description of what is
 * wrong, or undefined when settled.
 */
export async function unsettled(env: TestEnv, d: Deployment): Promise<string | undefined> {
  const zk = await zkMaster(d);
  const byAddress = await roles(env, d);
  const masters = [...byAddress].filter(([, role]) => role === 'master').map(([a]) => a);
  if (masters.length !== 1) return `${masters.length} masters among the live tasks (${[...byAddress].map(([a, r]) => `${a}=${r}`).join(', ')})`;
  if (zk !== masters[0]) return `ZooKeeper names ${zk}, the live master is ${masters[0]}`;
  for (const [address] of byAddress) {
    if (address !== zk && !(await isSyncedReplicaOf(portOf(address), portOf(zk)))) return `${address} is not a synced replica of ${zk}`;
  }
  return undefined;
}

/**
 * A plain client writing to one redis port (no Sentinel, no WAIT), counting every write: the
 * data plane as an application pinned to a node sees it. Each write is bounded by 2 s.
 */
export class DirectWriter {
  private readonly client: Redis;
  private running = true;
  private readonly loop: Promise<void>;
  ok = 0;
  errors: string[] = [];
  maxLatencyMs = 0;

  constructor(
    readonly port: number,
    readonly prefix = `d${port}`,
  ) {
    this.client = new Redis({ ...testAuth(), host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => 100, commandTimeout: 2000 });
    this.client.on('error', () => undefined);
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    for (let i = 0; this.running; i += 1) {
      const started = Date.now();
      try {
        await this.client.set(`${this.prefix}:${i}`, String(i));
        this.ok += 1;
      } catch (err) {
        this.errors.push(String(err));
        await sleep(50);
      }
      this.maxLatencyMs = Math.max(this.maxLatencyMs, Date.now() - started);
      await sleep(5);
    }
  }

  async stop(): Promise<{ ok: number; errors: string[]; maxLatencyMs: number }> {
    this.running = false;
    await this.loop;
    this.client.disconnect();
    return { ok: this.ok, errors: this.errors, maxLatencyMs: this.maxLatencyMs };
  }
}

/** Polls PING on a port every `everyMs` until stopped; counts the answers that were not PONG. */
export class PingProbe {
  private running = true;
  private readonly loop: Promise<void>;
  ok = 0;
  failures: string[] = [];

  constructor(
    readonly port: number,
    everyMs = 100,
  ) {
    this.loop = (async () => {
      while (this.running) {
        try {
          const reply = await ask(port, 'PING');
          if (reply === 'PONG') this.ok += 1;
          else this.failures.push(String(reply));
        } catch (err) {
          this.failures.push(String(err));
        }
        await sleep(everyMs);
      }
    })();
  }

  async stop(): Promise<{ ok: number; failures: string[] }> {
    this.running = false;
    await this.loop;
    return { ok: this.ok, failures: this.failures };
  }
}

export { pidAlive } from '../../packages/local-stack/src/pid';

/** The server child pids a wrapper logged when it started redis-server / redis-sentinel (one line per start). */
export function childPids(task: Task): number[] {
  return task.proc
    .log()
    .split('\n')
    .filter((line) => line.includes('"msg":"server process started"'))
    .map((line) => Number(/"childPid":(\d+)/.exec(line)?.[1]));
}

/**
 * unsettled, plus Sentinel's side: every sentinel follows ZooKeeper's master and has at least
 * `replicas` usable replicas (among them `mustKnow`, e.g. a replacement task), so a next
 * failover has a replica to promote.
 */
export async function notSteady(env: TestEnv, d: Deployment, replicas = 2, mustKnow: string[] = []): Promise<string | undefined> {
  const u = await unsettled(env, d);
  if (u) return u;
  const zk = await zkMaster(d);
  for (const s of d.sentinels.filter((x) => x.proc.running)) {
    const followed = await sentinelMasterAddr(s.port, d.name);
    if (followed !== zk) return `sentinel ${s.port} follows ${followed}, ZooKeeper names ${zk}`;
    const usable = await usableReplicas(s.port, d.name).catch((): string[] => []);
    if (usable.length < replicas || !mustKnow.every((a) => usable.includes(a))) return `sentinel ${s.port} knows usable replicas [${usable.join(', ')}]`;
  }
  return undefined;
}

/** Waits (bounded) until notSteady reports nothing; returns ZooKeeper's master then. */
export async function waitSteady(env: TestEnv, d: Deployment, o: { timeoutMs?: number; replicas?: number; mustKnow?: string[] } = {}): Promise<string> {
  let last: string | undefined;
  await waitFor(
    'the deployment to be steady (one master, ZooKeeper and every sentinel on it, replicas synced and known)',
    async () => {
      last = await notSteady(env, d, o.replicas ?? 2, o.mustKnow ?? []);
      return last === undefined;
    },
    o.timeoutMs ?? 60000,
    200,
  ).catch((err) => {
    throw new Error(`${String(err)}: ${last}`);
  });
  return (await zkMaster(d))!;
}

/**
 * Makes sure `x.stop()` runs in the test's teardown when the test did not get to call it (a
 * failed assertion or a timeout), so no client keeps the worker alive; bounded to 10 s.
 */
export function stopOnTeardown<T extends { stop(): Promise<unknown> }>(t: ExecutionContext, x: T): T {
  let stopped = false;
  const stop = x.stop.bind(x);
  x.stop = (() => {
    stopped = true;
    return stop();
  }) as T['stop'];
  t.teardown(async () => {
    if (!stopped) await Promise.race([stop().catch(() => undefined), sleep(10000)]);
  });
  return x;
}
