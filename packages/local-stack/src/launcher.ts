import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '@redis-zk/core';
import { type Exit, ManagedProcess } from './managed-process';
import type { AppSpec } from './marathon';
import { freePort } from './ports';

export interface LocalTask {
  id: string;
  app: AppSpec;
  ports: number[];
  sandbox: string;
  proc: ManagedProcess;
  startedAt: number;
}

export interface LauncherOptions {
  apps: AppSpec[];
  /** Where task sandboxes go. */
  dir: string;
  /** Working directory of every task (the project root: `cmd` is relative to it, as in the image). */
  cwd: string;
  /** Environment added over each app's `env` (ZK_HOSTS of the local ZooKeeper, BIND_IP…). */
  overrides: Record<string, string>;
  /** The environment an app gets from its Marathon secrets (variable -> value). */
  secrets?: (app: AppSpec) => Record<string, string>;
  /** Scales Marathon's backoff down for a demo or a test (1 = as defined). */
  backoffScale?: number;
}

/**
 * Runs Marathon app definitions as local processes the way Marathon would: each instance a task
 * with its own sandbox and free ports (PORT0…, PORT, PORTS, HOST), and a task that exits is
 * replaced, on new ports, after the app's backoff. Emits 'started' and 'exited' (LocalTask, Exit).
 */
export class Launcher extends EventEmitter {
  readonly tasks = new Map<string, LocalTask>();
  private stopping = false;
  private seq = 0;
  private readonly delays = new Map<string, number>();

  constructor(private readonly o: LauncherOptions) {
    super();
  }

  async start(): Promise<void> {
    await Promise.all(this.o.apps.flatMap((app) => Array.from({ length: app.instances }, () => this.launch(app))));
  }

  tasksOf(appId: string): LocalTask[] {
    return [...this.tasks.values()].filter((t) => t.app.id === appId);
  }

  private async launch(app: AppSpec): Promise<LocalTask> {
    const n = ++this.seq;
    const id = `${app.id.replace(/^\//, '').replace(/\//g, '_')}.${n}`;
    const sandbox = path.join(this.o.dir, id);
    fs.mkdirSync(sandbox, { recursive: true });
    const ports = await Promise.all(app.ports.map(() => freePort()));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...app.env,
      ...this.o.secrets?.(app),
      ...Object.fromEntries(ports.map((p, i) => [`PORT${i}`, String(p)])),
      ...Object.fromEntries(app.ports.map((name, i) => [`PORT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`, String(ports[i])])),
      PORT: String(ports[0]),
      PORTS: ports.join(','),
      HOST: '127.0.0.1',
      MESOS_SANDBOX: sandbox,
      MESOS_TASK_ID: id,
      MARATHON_APP_ID: app.id,
      ...this.o.overrides,
    };
    // bash, as the image's /bin/sh (Dockerfile): it execs a lone command, so a stop's SIGTERM reaches the
    // program (dash, Debian's sh, would keep it as a child and never pass the signal on).
    const proc = new ManagedProcess(id, '/bin/bash', ['-c', app.cmd], { env, cwd: this.o.cwd, logFile: path.join(sandbox, 'stdout.log') });
    const task: LocalTask = { id, app, ports, sandbox, proc, startedAt: Date.now() };
    this.tasks.set(id, task);
    this.emit('started', task);
    void proc.exited.then((exit) => this.onExit(task, exit));
    return task;
  }

  /**
   * A change of configuration, as a Marathon upgrade makes it: every task launched from now on
   * (replacements included) gets `env` over the app's; running tasks keep theirs until replaced.
   */
  upgrade(appId: string, env: Record<string, string>): void {
    const i = this.o.apps.findIndex((a) => a.id === appId);
    if (i < 0) throw new Error(`no app ${appId}`);
    const app = this.o.apps[i]!;
    this.o.apps[i] = { ...app, env: { ...app.env, ...env } };
  }

  private async onExit(task: LocalTask, exit: Exit): Promise<void> {
    this.tasks.delete(task.id);
    this.emit('exited', task, exit);
    if (this.stopping) return;
    // Replaced with the app's configuration now (an upgrade may have changed it since).
    const app = this.o.apps.find((a) => a.id === task.app.id) ?? task.app;
    const scale = this.o.backoffScale ?? 1;
    // As Marathon: the delay grows with each quick failure and starts over after a good run.
    const ranLong = Date.now() - task.startedAt > 60_000;
    const delay = ranLong ? app.backoffSeconds : (this.delays.get(app.id) ?? app.backoffSeconds);
    this.delays.set(app.id, Math.min(delay * app.backoffFactor, app.maxLaunchDelaySeconds));
    await sleep(delay * 1000 * scale);
    if (!this.stopping) await this.launch(app);
  }

  /** Stops every task (SIGTERM, then SIGKILL after the app's kill grace period). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.tasks.values()].map((t) => t.proc.stop(t.app.killGraceSeconds * 1000)));
  }
}
