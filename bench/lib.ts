import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { NODE_FLAGS } from '../packages/core/src/process/node-flags';
import { parseInfo } from '../packages/core/src/redis/connect';
import { ManagedProcess } from '../packages/local-stack/src/managed-process';
import { freePort } from '../packages/local-stack/src/ports';
import { sleep, waitFor } from '../packages/local-stack/src/harness';

export const ROOT = path.resolve(__dirname, '..');
export const BASE_CONF = path.join(ROOT, 'conf', 'redis.conf');
/** Node's arguments to run a program as Marathon does: its V8 flags, then its entry. */
export const PROGRAM = (p: 'redis-wrapper' | 'sentinel-wrapper' | 'watcher') => [...NODE_FLAGS[p], path.join(ROOT, 'packages', p, 'dist', 'main.js')];

export { sleep };

/** The shared bounded wait, polling every 10 ms by default (the bench times what it waits for). */
export const until = <T>(what: string, check: () => Promise<T> | T, timeoutMs = 60000, everyMs = 10) => waitFor(what, check, timeoutMs, everyMs);

/** Every process a benchmark starts; all killed at the end, whatever happens. */
export class Processes {
  /** Every set of processes not disposed yet (what peaks.ts samples). */
  static readonly live = new Set<Processes>();
  readonly all: ManagedProcess[] = [];
  constructor(readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-bench-'))) {
    Processes.live.add(this);
  }

  spawn(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ManagedProcess {
    const p = new ManagedProcess(label, cmd, args, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      cwd: this.dir,
      logFile: path.join(this.dir, `${label}.log`),
    });
    this.all.push(p);
    return p;
  }

  sub(name: string): string {
    const d = path.join(this.dir, name);
    fs.mkdirSync(d, { recursive: true });
    return d;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((p) => p.stop(3000)));
    this.all.length = 0;
  }

  /** Stops everything and removes the files, unless BENCH_KEEP_FILES=1 (the processes' logs, to see where time went). */
  async dispose(): Promise<void> {
    await this.stopAll();
    Processes.live.delete(this);
    if (process.env.BENCH_KEEP_FILES === '1') process.stderr.write(`bench: files kept in ${this.dir}\n`);
    else fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A plain redis-server (no program of ours) with the shipped base config; given `port`, a server
 * started before under the same label starts again on its data and its (possibly rewritten) config.
 */
export async function plainRedis(
  ps: Processes,
  label: string,
  replicaOf?: number,
  port?: number,
  config: 'shipped' | 'defaults' = 'shipped',
): Promise<{ port: number; proc: ManagedProcess }> {
  port ??= await freePort();
  // A copy per server: Sentinel makes replicas CONFIG REWRITE their config file.
  const conf = path.join(ps.sub(label), 'redis.conf');
  if (config === 'shipped' && !fs.existsSync(conf)) fs.copyFileSync(BASE_CONF, conf);
  // 'defaults': Redis as installed, no config file (its diskless sync waits 5 s for more replicas).
  const args = [...(config === 'shipped' ? [conf] : []), '--port', String(port), '--bind', '127.0.0.1', '--dir', ps.sub(label)];
  if (replicaOf) args.push('--replicaof', '127.0.0.1', String(replicaOf));
  return { port, proc: ps.spawn(label, 'redis-server', args) };
}

/** bench/clients-only.cjs: Node with ioredis and the ZooKeeper client, connected, idle. */
export function clientsOnly(ps: Processes, label: string, redisPort: number, zkHosts: string): ManagedProcess {
  return ps.spawn(label, process.execPath, [path.join(ROOT, 'bench', 'clients-only.cjs'), String(redisPort), zkHosts]);
}

/** One short-lived command to a local server; undefined when it does not answer. */
export async function ask(port: number, ...args: string[]): Promise<unknown> {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 500,
    commandTimeout: 1000,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await r.call(args[0]!, ...args.slice(1));
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}

/** Replicas a master reports online (INFO replication). */
export async function onlineReplicas(port: number): Promise<number> {
  const info = parseInfo(String((await ask(port, 'INFO', 'replication')) ?? ''));
  return [...info].filter(([key, value]) => /^slave\d+$/.test(key) && value.includes('state=online')).length;
}

/** CPU time a process has used so far, in µs (/proc/<pid>/stat utime + stime, at 100 ticks a second). */
export function cpuUs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Resident memory of a process in MB (/proc). */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

export { freePort };
