import fs from 'node:fs';
import { parseApp } from '../packages/local-stack/src/app-definition';
import type { ModelTask } from '../packages/local-stack/src/marathon-model';
import type { StackZooKeeper } from '../packages/local-stack/src/stack';
import { type Scenario, startScenario, stopScenario } from '../test/helpers/model-scenario';
import { type Deployment, type RestartOptions, rotated, type Task, type TaskEvents } from './deployment';
import { NEMESIS_ENV } from './loopback';
import { groupMembers, within } from './probes';
import type { App } from './schedule';

const PROGRAM: Record<App, string> = { redis: 'redis-wrapper', sentinel: 'sentinel-wrapper', watcher: 'watcher' };

/**
 * The Marathon model as a nemesis deployment: marathon/redis-zk.json, unchanged, on agents in
 * network namespaces (every one labelled redis_zk:true), at the Marathon scenarios' time scale
 * (test/helpers/model-scenario.ts); ZooKeeper, one server, in the infra namespace. This process
 * reaches a task's ports through forwards made in the infra namespace, as Marathon's side of the
 * network sees them (a cut agent's tasks do not answer); helpers (the CLI, HAProxy) run there.
 */
export class ModelDeployment implements Deployment {
  readonly mode = 'model';
  /** Every task launched, by id; `local` filled once its forwards are made. */
  private readonly known = new Map<string, { task: Task; mt: ModelTask }>();
  private readonly toLocal = new Map<string, number>();
  private readonly toAnnounced = new Map<number, string>();
  private events: TaskEvents | undefined;
  readonly zk: StackZooKeeper;

  private constructor(
    private readonly s: Scenario,
    readonly zkHere: string,
  ) {
    const { model, zk } = s.stack;
    // A ZooKeeper started again is stopped with the model, as the first was.
    this.zk = {
      connectString: zk.connectString,
      members: zk.members,
      pause: () => zk.pause(),
      cont: () => zk.cont(),
      stop: () => zk.stop(),
      resume: async (ms?: number) => {
        await zk.resume(ms);
        if (zk.proc) model.track(zk.proc);
      },
    };
    model.on('task-launched', (mt: ModelTask) => this.adopt(mt));
    model.on('task-killing', (mt: ModelTask, reason: string) => {
      const k = this.known.get(mt.id);
      if (k) this.events?.kill(k.task, reason);
    });
    for (const mt of model.tasks()) this.adopt(mt);
  }

  static async start(agents: number, password: string): Promise<ModelDeployment> {
    const s = await startScenario(agents, { env: { ...NEMESIS_ENV, REDIS_PASSWORD: password } });
    try {
      const zkHere = `127.0.0.1:${await s.stack.model.infraProbe.forward(s.stack.zk.host, s.stack.zk.port)}`;
      const d = new ModelDeployment(s, zkHere);
      await d.forwarded(30000);
      return d;
    } catch (err) {
      await stopScenario(s, false, () => undefined);
      throw err;
    }
  }

  get dir() {
    return this.s.stack.model.dir;
  }
  get zkThere() {
    return this.s.stack.zk.connectString;
  }
  zkAuth(): string {
    return fs.readFileSync(this.s.stack.secrets.file('redis-zk/zk-auth'), 'utf8');
  }

  private appOf(mt: ModelTask): App | undefined {
    return (Object.keys(PROGRAM) as App[]).find((a) => this.s.stack.appRunning(PROGRAM[a]).id === mt.appId);
  }

  /** A launched task: recorded now, reachable once a forward to each of its ports is made. */
  private adopt(mt: ModelTask): void {
    const app = this.appOf(mt);
    if (!app || this.known.has(mt.id)) return;
    const task: Task = { id: mt.id, app, address: `${mt.agent.ns.ip}:${mt.hostPorts[0]}`, local: [], startedAt: mt.startedAt, agent: mt.agent.id };
    this.known.set(mt.id, { task, mt });
    this.events?.start(task, Date.now());
    void mt.proc.exited.then((exit) => this.events?.exit(task, { code: exit.code, signal: exit.signal }));
    void Promise.all(
      mt.hostPorts.map(async (port) => {
        const announced = `${mt.agent.ns.ip}:${port}`;
        const local = this.toLocal.get(announced) ?? (await this.forward(mt.agent.ns.ip, port));
        this.toLocal.set(announced, local);
        this.toAnnounced.set(local, announced);
        return local;
      }),
    ).then(
      (ports) => task.local.push(...ports),
      (err) => this.s.stack.model.log.warn({ task: mt.id, err: String(err) }, 'nemesis: no forward to the task'),
    );
  }

  /** Waits until every running task is reachable (bounded). */
  private async forwarded(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while ([...this.known.values()].some(({ task, mt }) => mt.proc.running && task.local.length === 0)) {
      if (Date.now() > deadline) throw new Error('forwards to the tasks not made in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private live(): Array<{ task: Task; mt: ModelTask }> {
    return [...this.known.values()].filter(({ task, mt }) => mt.proc.running && !mt.agent.gone && task.local.length > 0);
  }
  private mt(t: Task): ModelTask {
    const k = this.known.get(t.id);
    if (!k) throw new Error(`no task ${t.id}`);
    return k.mt;
  }

  tasks(app: App): Task[] {
    return this.live()
      .filter(({ task }) => task.app === app)
      .map(({ task }) => task);
  }
  onTask(events: TaskEvents): void {
    this.events = events;
    for (const { task, mt } of this.known.values()) if (mt.proc.running) events.start(task, task.startedAt);
  }

  reach(address: string): number | undefined {
    return this.toLocal.get(address);
  }
  announced(localPort: number): string {
    return this.toAnnounced.get(localPort) ?? `127.0.0.1:${localPort}`;
  }
  forward(host: string, port: number): Promise<number> {
    return this.s.stack.model.infraProbe.forward(host, port);
  }
  wrap(cmd: string, args: readonly string[]): [string, string[]] {
    return this.s.stack.model.infra.wrap(cmd, args);
  }

  signal(t: Task, sig: NodeJS.Signals): void {
    this.mt(t).proc.killGroup(sig);
  }
  async exited(t: Task, ms: number): Promise<boolean> {
    return (await within(this.mt(t).proc.exited, ms)) !== undefined;
  }
  serverPids(t: Task): number[] {
    return groupMembers(this.mt(t).proc.pid, 'redis-server');
  }
  /** Marathon's kill (`DELETE /v2/apps/…/tasks/<id>`): SIGTERM, the app's kill grace (scaled), SIGKILL; then its replacement. */
  async plannedStop(t: Task): Promise<void> {
    const mt = this.mt(t);
    const { model } = this.s.stack;
    model.killTask(mt.id, 'the nemesis: a planned stop');
    await within(mt.proc.exited, model.ms(mt.def.taskKillGracePeriodSeconds) + 10000);
  }

  /**
   * Marathon's restart, or its upgrade to a definition with `env` over the app's: the old tasks
   * replaced under the app's upgradeStrategy, each step gated by the new task's readiness check
   * (the nemesis's own two-synced-replicas gate cannot step in between).
   */
  async restart(app: App, o: RestartOptions): Promise<void> {
    const { model } = this.s.stack;
    const appId = this.s.stack.appRunning(PROGRAM[app]).id;
    const def = model.definition(appId);
    const at = Date.now();
    const onKill = (mt: ModelTask) => {
      const k = this.known.get(mt.id);
      if (k && mt.appId === appId && mt.startedAt < at) o.onStop(k.task);
    };
    model.on('task-killing', onKill);
    try {
      const d = model.restart(appId, {
        ...(o.env ? { def: parseApp({ ...def.raw, env: { ...(def.raw.env as Record<string, unknown>), ...o.env } }) } : {}),
        order: (old) =>
          rotated(
            [...old].sort((a, b) => a.startedAt - b.startedAt),
            o.order,
          ),
      });
      await model.deploymentDone(d, 240000);
    } catch (err) {
      o.note(`${o.what}: ${String(err).slice(0, 300)}`);
    } finally {
      model.off('task-killing', onKill);
    }
  }

  readonly agents = {
    cut: () => this.s.stack.model.agents.filter((a) => !a.linkUp && !a.gone).map((a) => a.id),
    partition: (agent: string) => this.s.stack.model.cutAgent(agent),
    heal: (agent: string) => this.s.stack.model.healAgent(agent),
  };

  /** Stops everything of the model; throws if any of its network is left. */
  stop(keepFiles: boolean): Promise<void> {
    return stopScenario(this.s, !keepFiles, () => undefined);
  }
}
