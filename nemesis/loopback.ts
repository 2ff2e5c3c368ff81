import fs from 'node:fs';
import { FAST_SENTINEL, waitFor } from '../packages/local-stack/src/harness';
import type { LocalTask } from '../packages/local-stack/src/launcher';
import { LocalStack } from '../packages/local-stack/src/stack';
import { type Deployment, type RestartOptions, rotated, type Task, type TaskEvents } from './deployment';
import { groupMembers, plannedStop, within } from './probes';
import type { App } from './schedule';

/** Every task's environment in both modes: debug logs (each decision with its reason, kept with a run that found a violation). */
export const NEMESIS_ENV = { ...FAST_SENTINEL, ZK_SESSION_TIMEOUT_MS: '4000', LOG_LEVEL: 'debug' } as const;

const PROGRAM: Record<App, string> = { redis: 'redis-wrapper', sentinel: 'sentinel-wrapper', watcher: 'watcher' };

/**
 * The local stack in loopback mode as a nemesis deployment: a 3-server ZooKeeper ensemble and
 * the apps of marathon/redis-zk.json run by the loopback launcher, which replaces every task
 * that ends (Marathon's backoff × 0.1). Every task serves on 127.0.0.1: no forwards.
 */
export class LoopbackDeployment implements Deployment {
  readonly mode = 'loopback';
  private readonly byId = new Map<string, Task>();

  private constructor(private readonly stack: LocalStack) {}

  static async start(password: string): Promise<LoopbackDeployment> {
    const stack = await LocalStack.start({ env: { ...NEMESIS_ENV, REDIS_PASSWORD: password }, backoffScale: 0.1, zkServers: 3 });
    return new LoopbackDeployment(stack);
  }

  get dir() {
    return this.stack.dir;
  }
  get zkHere() {
    return this.stack.zk.connectString;
  }
  get zkThere() {
    return this.stack.zk.connectString;
  }
  get zk() {
    return this.stack.zk;
  }
  zkAuth(): string {
    return fs.readFileSync(this.stack.secrets.file('redis-zk/zk-auth'), 'utf8');
  }

  private appOf(t: LocalTask): App | undefined {
    return (Object.keys(PROGRAM) as App[]).find((a) => this.stack.appRunning(PROGRAM[a]).id === t.app.id);
  }
  private task(t: LocalTask): Task {
    let x = this.byId.get(t.id);
    if (!x) {
      x = { id: t.id, app: this.appOf(t) ?? 'redis', address: `127.0.0.1:${t.ports[0]}`, local: t.ports, startedAt: t.startedAt };
      this.byId.set(t.id, x);
    }
    return x;
  }
  private local(t: Task): LocalTask {
    const l = this.stack.launcher.tasks.get(t.id);
    if (!l) throw new Error(`task ${t.id} is gone`);
    return l;
  }

  tasks(app: App): Task[] {
    return this.stack
      .tasksRunning(PROGRAM[app])
      .filter((t) => t.proc.running)
      .map((t) => this.task(t));
  }
  onTask(events: TaskEvents): void {
    const { launcher } = this.stack;
    for (const t of launcher.tasks.values()) events.start(this.task(t), t.startedAt);
    launcher.on('started', (t: LocalTask) => events.start(this.task(t), Date.now()));
    launcher.on('exited', (t: LocalTask, exit: { code: number | null; signal: string | null }) => events.exit(this.task(t), exit));
  }

  reach(address: string): number | undefined {
    return address.startsWith('127.0.0.1:') ? Number(address.slice(10)) : undefined;
  }
  announced(localPort: number): string {
    return `127.0.0.1:${localPort}`;
  }
  async forward(_host: string, port: number): Promise<number> {
    return port;
  }
  wrap(cmd: string, args: readonly string[]): [string, string[]] {
    return [cmd, [...args]];
  }

  signal(t: Task, sig: NodeJS.Signals): void {
    this.stack.launcher.tasks.get(t.id)?.proc.killGroup(sig);
  }
  async exited(t: Task, ms: number): Promise<boolean> {
    const l = this.stack.launcher.tasks.get(t.id);
    return !l || (await within(l.proc.exited, ms)) !== undefined;
  }
  serverPids(t: Task): number[] {
    const l = this.stack.launcher.tasks.get(t.id);
    return l ? groupMembers(l.proc.pid, 'redis-server') : [];
  }
  plannedStop(t: Task): Promise<void> {
    return plannedStop(this.local(t));
  }

  /**
   * Marathon's rolling replacement, as the launcher cannot: each task stopped in turn (SIGTERM),
   * the next once its replacement is ready; redis tasks also wait for two synced replicas. An
   * upgrade's environment applies to every task launched from now on.
   */
  async restart(app: App, o: RestartOptions): Promise<void> {
    if (o.env) this.stack.launcher.upgrade(this.stack.appRunning(PROGRAM[app]).id, o.env);
    for (const t of rotated(
      this.tasks(app).sort((a, b) => a.startedAt - b.startedAt),
      o.order,
    )) {
      if (!this.stack.launcher.tasks.get(t.id)?.proc.running) continue;
      if (
        app === 'redis' &&
        !(await within(
          waitFor('two synced replicas', async () => !(await o.gate()), 30000, 300),
          31000,
        ))
      ) {
        o.note(`${o.what} stopped before ${t.id}: ${await o.gate()}`);
        return;
      }
      o.onStop(t);
      const before = new Set(this.tasks(app).map((x) => x.id));
      await this.plannedStop(t);
      const replaced = async () => {
        for (const n of this.tasks(app)) if (!before.has(n.id) && (await o.ready(app, n))) return true;
        return false;
      };
      if (!(await within(waitFor(`a ready replacement of ${t.id}`, replaced, 60000, 200), 61000))) {
        o.note(`${o.what}: no ready replacement of ${t.id} within 60 s`);
        return;
      }
    }
  }

  stop(keepFiles: boolean): Promise<void> {
    return this.stack.stop({ keepFiles });
  }
}
