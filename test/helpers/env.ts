// Fails a test file whose worker outlives its tests (exit-guard.ts).
import './exit-guard';
import { Sema } from 'async-sema';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import Redis from 'ioredis';
import pino from 'pino';
import { Directory } from '../../packages/core/src/zk/directory';
import { ZkClient } from '../../packages/core/src/zk/client';
import { patientZk } from './patient-zk';
import { freePort } from './ports';
import { type PROGRAMS, Proc, programArgs } from './processes';
import { ZooKeeperServer } from './zookeeper';
import { waitFor } from './wait';
import { deploySet } from '../../packages/local-stack/src/deploy-set';
import { info } from './redis-info';
import { sentinelMaster } from './sentinel';
import { TEST_PASSWORD, TEST_ZK_AUTH, TEST_ZK_SECRET, TEST_ZK_USER } from './secrets';
import { testAuth } from './client-auth';
import { VALKEY } from './engine';

export type Program = keyof typeof PROGRAMS;

export { FAST_SENTINEL, portOf } from '../../packages/local-stack/src/harness';

export interface Deployment {
  redis: Task[];
  sentinels: Task[];
  watchers: Task[];
  dir: Directory;
  /** host:port of the master when the deployment came up. */
  master: string;
  name: string;
}
export interface Task {
  proc: Proc;
  port: number;
  dataDir: string;
  address: string;
  /** redis-wrapper's HTTP API (PORT1); 0 for the other programs. */
  apiPort: number;
}

/**
 * At most this many worlds at once in one test file. ava starts every test of a file together: a
 * file of eight tests started eight ZooKeepers and sixteen wrappers at once beside three other
 * files, and on CI's slower machine a wait of a test that had started went past its bound. The
 * others wait their turn before their world (and their waits) begin.
 */
const worlds = new Sema(3);

/**
 * One test's world: a temp dir, a real ZooKeeper, and every process and client the test starts,
 * all stopped (by pid) in teardown, whatever the outcome.
 */
export class TestEnv {
  readonly procs: Proc[] = [];
  private readonly clients: Array<{ disconnect(): void } | { close(): void }> = [];
  private counter = 0;
  readonly root = '/redis';

  private constructor(
    readonly dir: string,
    readonly zk: ZooKeeperServer,
    private readonly release: () => void,
  ) {}

  /** With a test's context, teardown is registered; a hook calls cleanup() in after.always. */
  static async create(t?: ExecutionContext): Promise<TestEnv> {
    await worlds.acquire();
    const release = () => worlds.release();
    try {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-test-'));
      const env = new TestEnv(dir, await ZooKeeperServer.start(path.join(dir, 'zookeeper')), release);
      t?.teardown(() => env.cleanup(t.passed, (m) => t.log(m)));
      return env;
    } catch (err) {
      release();
      throw err;
    }
  }

  /**
   * Environment every program gets: loopback, this ZooKeeper, quick sessions, and the deployment
   * secured as shipped (TEST_PASSWORD, ZooKeeper credentials); OPEN_MODE in `extra` undoes that.
   */
  baseEnv(): NodeJS.ProcessEnv {
    const { PATH, HOME } = process.env;
    return {
      PATH,
      HOME,
      ZK_HOSTS: this.zk.connectString,
      ZK_ROOT: this.root,
      BIND_IP: '127.0.0.1',
      ZK_SESSION_TIMEOUT_MS: '4000',
      LOG_LEVEL: 'debug',
      REDIS_PASSWORD: TEST_PASSWORD,
      ZK_AUTH: TEST_ZK_AUTH,
      // TEST_ENGINE=valkey runs a test file's programs on Valkey (test/helpers/engine.ts).
      ...(process.env.TEST_ENGINE === 'valkey' ? VALKEY : {}),
    };
  }

  /** Starts a program as a task: own dir, own free port (unless PORT0 given). */
  async start(program: Program, extra: NodeJS.ProcessEnv = {}): Promise<Task> {
    const n = ++this.counter;
    const taskDir = path.join(this.dir, `${program}-${n}`);
    fs.mkdirSync(taskDir, { recursive: true });
    const port = Number(extra.PORT0 ?? (await freePort()));
    const apiPort = program === 'redis-wrapper' ? Number(extra.PORT1 ?? (await freePort())) : 0;
    const dataDir = String(extra.DATA_DIR ?? path.join(taskDir, 'data'));
    const proc = new Proc(`${program}#${n}`, process.execPath, programArgs(program), {
      env: { ...this.baseEnv(), PORT0: String(port), ...(apiPort ? { PORT1: String(apiPort) } : {}), DATA_DIR: dataDir, ...extra },
      cwd: taskDir,
      logFile: path.join(taskDir, 'out.log'),
    });
    this.procs.push(proc);
    return { proc, port, dataDir, address: `127.0.0.1:${port}`, apiPort };
  }

  /**
   * A whole replica set through the one deploy (local-stack's deploySet): redis tasks first (each
   * with its own DATA_DIR from `dataDirs` when given), then sentinels (fast failover settings),
   * then watchers; resolves once the sentinels know every replica and peer.
   */
  async deploy(
    o: {
      redis?: number;
      dataDirs?: readonly string[];
      /** One environment per redis task (node tags, say), merged with its DATA_DIR from `dataDirs`. */
      redisEnv?: readonly NodeJS.ProcessEnv[];
      sentinels?: number;
      watchers?: number;
      env?: NodeJS.ProcessEnv;
    } = {},
  ): Promise<Deployment> {
    const dir = await this.directory();
    const d = await deploySet<Task>({
      start: (program, env) => this.start(program, env),
      dir,
      sentinelMaster,
      redis:
        o.redisEnv?.map((e, i) => ({ ...e, ...(o.dataDirs?.[i] ? { DATA_DIR: o.dataDirs[i] } : {}) })) ??
        o.dataDirs?.map((DATA_DIR) => ({ DATA_DIR })) ??
        o.redis,
      sentinels: o.sentinels,
      watchers: o.watchers,
      env: o.env,
    });
    return { ...d, dir };
  }

  /** A client of a redis node; with TEST_PASSWORD unless told otherwise ('' = none). */
  redis(port: number, opts: { password?: string } = {}): Redis {
    const r = new Redis({
      ...testAuth(),
      host: '127.0.0.1',
      port,
      password: (opts.password ?? TEST_PASSWORD) || undefined,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 200,
      lazyConnect: false,
    });
    r.on('error', () => undefined);
    this.clients.push(r);
    return r;
  }

  /** A Directory on this ZooKeeper, for the test's own reads and writes: as the deployment's identity unless `anonymous`. */
  async directory(o: { anonymous?: boolean } = {}): Promise<Directory> {
    const auth = o.anonymous ? undefined : { user: TEST_ZK_USER, password: TEST_ZK_SECRET };
    const zk = new ZkClient({ connectString: this.zk.connectString, sessionTimeoutMs: 4000, log: pino({ level: 'silent' }), auth });
    this.clients.push(zk);
    await zk.waitConnected(15000);
    return new Directory(patientZk(zk), this.root, pino({ level: 'silent' }));
  }

  async role(port: number): Promise<string | undefined> {
    return (await info(port))?.get('role');
  }

  /** Every node's role, asked again (bounded) until each answers: a single INFO can time out on a loaded machine. */
  async roles(ports: number[], timeoutMs = 30000): Promise<string[]> {
    return Promise.all(ports.map((port) => waitFor(`127.0.0.1:${port} to answer INFO`, () => this.role(port), timeoutMs, 200)));
  }

  async waitForRole(port: number, role: 'master' | 'slave', timeoutMs = 20000): Promise<void> {
    await waitFor(`127.0.0.1:${port} to have role ${role}`, async () => (await this.role(port)) === role, timeoutMs);
  }

  /** Stops every process the test started (SIGTERM, as Marathon would), leaving ZooKeeper and the files. */
  async stopProcesses(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop(20000)));
  }

  /** Stops everything; keeps the files of a failed test for reading. */
  async cleanup(passed = true, say: (m: string) => void = () => undefined): Promise<void> {
    for (const c of this.clients) 'disconnect' in c ? c.disconnect() : c.close();
    await Promise.all(this.procs.map((p) => p.stop(3000)));
    await this.zk.stop();
    this.release();
    if (passed && !process.env.KEEP_TEST_FILES) fs.rmSync(this.dir, { recursive: true, force: true });
    else say(`test files kept in ${this.dir}`); // always with KEEP_TEST_FILES=1
  }
}
