import pino from 'pino';
import { Directory } from '../packages/core/src/zk/directory';
import { ZkClient } from '../packages/core/src/zk/client';
import type { ManagedProcess } from '../packages/local-stack/src/managed-process';
import { LocalZooKeeper } from '../packages/local-stack/src/zookeeper';
import { freePort, type Processes, PROGRAM, until } from './lib';

export { FAST_DOWN_AFTER_MS, FAST_SENTINEL } from '../packages/local-stack/src/harness';
import { FAST_SENTINEL } from '../packages/local-stack/src/harness';

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
    const proc = ps.spawn(label, process.execPath, [PROGRAM(program)], {
      ZK_HOSTS: this.zk.connectString,
      ZK_ROOT: root,
      BIND_IP: '127.0.0.1',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      PORT0: String(port),
      ...api,
      DATA_DIR: ps.sub(label),
      ELECTION_DATA_WAIT_MS: '0',
      // The plain Redis/Sentinel it is compared with has no password either: like for like.
      ALLOW_EMPTY_PASSWORD: 'yes',
      ...env,
    });
    return { port, proc, ...(api.PORT1 ? { apiPort: Number(api.PORT1) } : {}) };
  }

  /** 3 redis + 3 sentinels (+ watchers) under `root`, ready: quorum reached, replicas known. */
  async deploy(ps: Processes, root: string, o: { redis?: number; watchers?: number; redisEnv?: (i: number) => NodeJS.ProcessEnv } = {}) {
    const dir = this.directory(root);
    const redis = [];
    for (let i = 0; i < (o.redis ?? 3); i += 1) redis.push(await this.task(ps, 'redis-wrapper', root, o.redisEnv?.(i)));
    await until('a master', () => dir.readMaster('mymaster'));
    const sentinels = await Promise.all([1, 2, 3].map(() => this.task(ps, 'sentinel-wrapper', root, FAST_SENTINEL)));
    const watchers = await Promise.all(Array.from({ length: o.watchers ?? 1 }, () => this.task(ps, 'watcher', root)));
    await until('sentinels registered', async () => (await dir.listSentinels()).length === 3, 60000, 100);
    return { dir, redis, sentinels, watchers };
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.zk.stop();
  }
}
