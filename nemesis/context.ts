import { spawn } from 'node:child_process';
import path from 'node:path';
import { formatAddress } from '../packages/core/src/address';
import type { Directory } from '../packages/core/src/zk/directory';
import { sleep } from '../packages/local-stack/src/harness';
import { ROOT } from '../test/helpers/processes';
import { TEST_PASSWORD } from '../test/helpers/secrets';
import type { Deployment, Task } from './deployment';
import type { History, HistoryEvent } from './history';
import { getJson, replicationOf } from './probes';
import type { App } from './schedule';

export const SET = 'mymaster';

/**
 * One run's deployment as the nemesis sees it, shared by its observers, clients, faults and
 * checks: the deployment, the history being recorded, what the observers saw last, and the loops to
 * stop at the end.
 */
export class RunContext {
  /** ZooKeeper's master as last read (observers). */
  zkMaster: string | null = null;
  /** Each redis node's role as last read (observers). */
  readonly roleNow = new Map<string, string>();
  running = true;
  private readonly stoppers: Array<() => Promise<void>> = [];

  constructor(
    readonly dep: Deployment,
    readonly dir: Directory,
    readonly h: History,
    readonly say: (line: string) => void,
  ) {}

  rec(e: HistoryEvent): void {
    this.h.events.push(e);
  }
  note(text: string): void {
    this.rec({ t: Date.now(), type: 'note', text });
    this.say(`  ${text}`);
  }

  /** Runs `body` every `everyMs` until the run stops; awaited at the end. */
  loop(everyMs: number, body: () => Promise<void>): void {
    const done = (async () => {
      while (this.running) {
        await body().catch(() => undefined);
        await sleep(everyMs);
      }
    })();
    this.onStop(() => done);
  }
  onStop(stop: () => Promise<void>): void {
    this.stoppers.push(stop);
  }
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.stoppers.splice(0).map((s) => s().catch(() => undefined)));
  }

  /** Live tasks of an app. */
  tasksOf(app: App): Task[] {
    return this.dep.tasks(app);
  }

  /** The live task ZooKeeper names and that answers as master, else any that answers as master. */
  masterTask(): Task | undefined {
    const live = this.tasksOf('redis');
    const isMaster = (t: Task) => this.roleNow.get(t.address) === 'master';
    return live.find((t) => t.address === this.zkMaster && isMaster(t)) ?? live.find(isMaster);
  }

  /** A fault's target, resolved now: the master, a replica by index, or another app's task by index (oldest first). */
  target(app: App, role: 'master' | 'replica' | undefined, pick: number): Task | undefined {
    const oldestFirst = (ts: Task[]) => ts.sort((a, b) => a.startedAt - b.startedAt);
    if (app !== 'redis') {
      const live = oldestFirst(this.tasksOf(app));
      return live[pick % Math.max(1, live.length)];
    }
    const m = this.masterTask();
    if (role === 'master') return m;
    const replicas = oldestFirst(this.tasksOf('redis').filter((t) => t !== m));
    return replicas[pick % Math.max(1, replicas.length)];
  }

  /** Why a data-destroying fault may not run now (undefined: it may): the master and two replicas online, in sync. */
  async gate(): Promise<string | undefined> {
    const m = this.masterTask();
    if (!m) return 'no live master';
    const r = await replicationOf(m.local[0]!);
    if (r?.get('role') !== 'master') return `the master ${m.address} does not answer as master`;
    const live = new Set(this.tasksOf('redis').map((t) => t.address));
    const synced = [...r]
      .filter(([k]) => /^slave\d+$/.test(k))
      .map(([, v]) => Object.fromEntries(v.split(',').map((kv) => kv.split('=') as [string, string])))
      .filter((s) => s.state === 'online' && Number(s.lag) <= 1 && live.has(`${s.ip}:${s.port}`));
    return synced.length >= 2 ? undefined : `the master ${m.address} has ${synced.length} synced replicas (2 needed)`;
  }

  /** Marathon's readiness for a replacement: redis and watcher `/readiness`, a sentinel registered. */
  async ready(app: App, t: Task): Promise<boolean> {
    if (app === 'sentinel') return (await this.dir.listSentinels()).some((s) => formatAddress(s.address) === t.address);
    return (await getJson(`http://127.0.0.1:${t.local[app === 'redis' ? 1 : 0]}/readiness`))?.status === 200;
  }

  /** The built `redis-zk` command against this deployment (where it reaches the tasks), killed after `timeoutMs`. */
  runCli(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string; err: string }> {
    const env = {
      PATH: process.env.PATH,
      ZK_HOSTS: this.dep.zkThere,
      ZK_ROOT: '/redis',
      REDIS_PASSWORD: TEST_PASSWORD,
      ZK_AUTH: this.dep.zkAuth(),
    };
    return new Promise((resolve) => {
      const [cmd, argv] = this.dep.wrap(process.execPath, [path.join(ROOT, 'packages/cli/dist/main.js'), ...args]);
      const cli = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      cli.stdout.on('data', (d) => {
        out += d;
      });
      cli.stderr.on('data', (d) => {
        err += d;
      });
      const timer = setTimeout(() => cli.kill('SIGKILL'), timeoutMs);
      cli.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out, err });
      });
    });
  }
}
