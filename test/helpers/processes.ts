import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait';

export const ROOT = path.resolve(__dirname, '..', '..');
export const PROGRAMS = {
  'redis-wrapper': path.join(ROOT, 'packages/redis-wrapper/dist/main.js'),
  'sentinel-wrapper': path.join(ROOT, 'packages/sentinel-wrapper/dist/main.js'),
  watcher: path.join(ROOT, 'packages/watcher/dist/main.js'),
} as const;

export interface Exit { code: number | null; signal: NodeJS.Signals | null }

/** Last line of defence: whatever a failed hook or test left running (the group: a task and its
 * server) dies with the worker. */
const live = new Set<Proc>();
process.once('exit', () => {
  for (const p of live) { try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ } }
});

/**
 * A process the test started, in its own process group so that killing it takes its children
 * (redis-server, redis-sentinel) too, as Mesos does with a task.
 */
export class Proc {
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  readonly child: ChildProcess;

  constructor(readonly label: string, cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string; logFile: string }) {
    const out = fs.openSync(opts.logFile, 'a');
    this.child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => { this.exit = { code, signal }; resolve(this.exit); });
    });
    this.logFile = opts.logFile;
  }

  readonly logFile: string;
  get pid(): number { return this.child.pid!; }
  get running(): boolean { return this.exit === undefined; }
  log(): string { return fs.readFileSync(this.logFile, 'utf8'); }

  /** Signals the whole process group (the task). */
  killGroup(signal: NodeJS.Signals = 'SIGKILL'): void {
    try { process.kill(-this.pid, signal); } catch { /* already gone */ }
  }

  /** Signals only the process itself (the wrapper), not its children. */
  kill(signal: NodeJS.Signals): void {
    try { process.kill(this.pid, signal); } catch { /* already gone */ }
  }

  /** SIGTERM the process, SIGKILL the group after `graceMs`; waits until it is gone. */
  async stop(graceMs = 5000): Promise<Exit> {
    if (!this.running) { this.killGroup('SIGKILL'); return this.exit!; }
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.killGroup('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    this.killGroup('SIGKILL'); // anything the process left behind
    return exit;
  }

  async waitForLog(pattern: RegExp, timeoutMs = 15000): Promise<string> {
    return waitFor(`${this.label} to log ${pattern}`, () => pattern.exec(this.log())?.[0], timeoutMs);
  }
}
