import pino from 'pino';
import { Directory } from '../packages/core/src/zk/directory';
import { ZkClient } from '../packages/core/src/zk/client';
import type { ManagedProcess } from '../packages/local-stack/src/managed-process';
import { LocalZooKeeper } from '../packages/local-stack/src/zookeeper';
import { pairsToMap } from '../packages/core/src/sentinel/query';
import { deploySet } from '../packages/local-stack/src/deploy-set';
import { ask, freePort, type Processes, PROGRAM } from './lib';

export { FAST_DOWN_AFTER_MS, FAST_SENTINEL } from '../packages/local-stack/src/harness';

/** Our programs against one ZooKeeper; each benchmark case takes its own ZK_ROOT. */
export class Ours {
  private n = 0;
  private constructor(
    readonly zk: LocalZooKeeper,
    readonly client: ZkClient,
  ) {}

  static async start(ps: Processes): Promise<Ours> {
    const zk = await LocalZooKeeper.start(ps.sub('zookeeper'));
    const client = new ZkClient({ connectString: zk.connectString, sessionTimeoutMs: 10000, log: pino({ level: 'silent' }) });
    await client.waitConnected(20000);
    return new Ours(zk, client);
  }

  directory(root: string): Directory {
    return new Directory(this.client, root, pino({ level: 'silent' }));
  }

  async task(
    ps: Processes,
    program: 'redis-wrapper' | 'sentinel-wrapper' | 'watcher',
    root: string,
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ port: number; proc: ManagedProcess; apiPort?: number }> {
    const port = Number(env.PORT0 ?? (await freePort()));
    const api = program === 'redis-wrapper' ? { PORT1: String(env.PORT1 ?? (await freePort())) } : {};
    const label = `${program}-${++this.n}`;
    const proc = ps.spawn(label, process.execPath, PROGRAM(program), {
      ZK_HOSTS: this.zk.connectString,
      ZK_ROOT: root,
      BIND_IP: '127.0.0.1',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      PORT0: String(port),
      ...api,
      DATA_DIR: ps.sub(label),
      ELECTION_DATA_WAIT_MS: '0',
      // The plain Redis/Sentinel it is compared with has no password, and no ZooKeeper: like for like.
      ALLOW_EMPTY_PASSWORD: 'yes',
      ALLOW_ANONYMOUS_ZK: 'yes',
      ...env,
    });
    return { port, proc, ...(api.PORT1 ? { apiPort: Number(api.PORT1) } : {}) };
  }

  /** 3 redis + 3 sentinels (+ watchers) under `root`, through the tests' deploy: sentinels know every replica and peer. */
  async deploy(ps: Processes, root: string, o: { redis?: number | readonly NodeJS.ProcessEnv[]; watchers?: number; env?: NodeJS.ProcessEnv } = {}) {
    const dir = this.directory(root);
    const sentinelMaster = async (port: number, name: string) => {
      const reply = await ask(port, 'SENTINEL', 'MASTER', name);
      return reply === undefined ? undefined : pairsToMap(reply);
    };
    const d = await deploySet<Awaited<ReturnType<Ours['task']>>>({
      start: (program, env) => this.task(ps, program, root, env),
      dir,
      sentinelMaster,
      redis: o.redis,
      watchers: o.watchers,
      ...(o.env ? { env: o.env } : {}),
    });
    return { dir, ...d };
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.zk.stop();
  }
}
