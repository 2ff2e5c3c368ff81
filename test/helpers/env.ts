import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import Redis from 'ioredis';
import pino from 'pino';
import { Directory } from '../../packages/core/src/zk/directory';
import { ZkClient } from '../../packages/core/src/zk/client';
import { freePort } from './ports';
import { PROGRAMS, Proc } from './processes';
import { ZooKeeperServer } from './zookeeper';
import { waitFor } from './wait';

export type Program = keyof typeof PROGRAMS;
export interface Task { proc: Proc; port: number; dataDir: string; address: string }

/**
 * One test's world: a temp dir, a real ZooKeeper, and every process and client the test starts,
 * all stopped (by pid) in teardown, whatever the outcome.
 */
export class TestEnv {
  readonly procs: Proc[] = [];
  private readonly clients: Array<{ disconnect(): void } | { close(): void }> = [];
  private counter = 0;
  readonly root = '/redis';

  private constructor(readonly dir: string, readonly zk: ZooKeeperServer) {}

  /** With a test's context, teardown is registered; a hook calls cleanup() in after.always. */
  static async create(t?: ExecutionContext): Promise<TestEnv> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-test-'));
    const env = new TestEnv(dir, await ZooKeeperServer.start(path.join(dir, 'zookeeper')));
    t?.teardown(() => env.cleanup(t.passed, (m) => t.log(m)));
    return env;
  }

  /** Environment every program gets: loopback, this ZooKeeper, quick sessions. */
  baseEnv(): NodeJS.ProcessEnv {
    const { PATH, HOME } = process.env;
    return { PATH, HOME, ZK_HOSTS: this.zk.connectString, ZK_ROOT: this.root, BIND_IP: '127.0.0.1', ZK_SESSION_TIMEOUT_MS: '4000', LOG_LEVEL: 'debug' };
  }

  /** Starts a program as a task: own dir, own free port (unless PORT0 given). */
  async start(program: Program, extra: NodeJS.ProcessEnv = {}): Promise<Task> {
    const n = ++this.counter;
    const taskDir = path.join(this.dir, `${program}-${n}`);
    fs.mkdirSync(taskDir, { recursive: true });
    const port = Number(extra.PORT0 ?? (await freePort()));
    const dataDir = String(extra.DATA_DIR ?? path.join(taskDir, 'data'));
    const proc = new Proc(`${program}#${n}`, process.execPath, [PROGRAMS[program]], {
      env: { ...this.baseEnv(), PORT0: String(port), DATA_DIR: dataDir, ...extra },
      cwd: taskDir,
      logFile: path.join(taskDir, 'out.log'),
    });
    this.procs.push(proc);
    return { proc, port, dataDir, address: `127.0.0.1:${port}` };
  }

  redis(port: number, opts: { password?: string } = {}): Redis {
    const r = new Redis({ host: '127.0.0.1', port, password: opts.password, maxRetriesPerRequest: 1, retryStrategy: () => 200, lazyConnect: false });
    r.on('error', () => undefined);
    this.clients.push(r);
    return r;
  }

  /** A Directory on this ZooKeeper, for the test's own reads. */
  async directory(): Promise<Directory> {
    const zk = new ZkClient({ connectString: this.zk.connectString, sessionTimeoutMs: 4000, log: pino({ level: 'silent' }) });
    this.clients.push(zk);
    await zk.waitConnected(15000);
    return new Directory(zk, this.root, pino({ level: 'silent' }));
  }

  async role(port: number): Promise<string | undefined> {
    const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return /role:(\w+)/.exec(await r.info('replication'))?.[1];
    } catch {
      return undefined;
    } finally {
      r.disconnect();
    }
  }

  async waitForRole(port: number, role: 'master' | 'slave', timeoutMs = 20000): Promise<void> {
    await waitFor(`127.0.0.1:${port} to have role ${role}`, async () => (await this.role(port)) === role, timeoutMs);
  }

  /** Stops everything; keeps the files of a failed test for reading. */
  async cleanup(passed = true, say: (m: string) => void = () => undefined): Promise<void> {
    for (const c of this.clients) ('disconnect' in c ? c.disconnect() : c.close());
    await Promise.all(this.procs.map((p) => p.stop(3000)));
    await this.zk.stop();
    if (passed) fs.rmSync(this.dir, { recursive: true, force: true });
    else say(`test files kept in ${this.dir}`);
  }
}
