import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface Exit { code: number | null; signal: NodeJS.Signals | null }

/** Every group still possibly alive, killed if this process exits without stopping them. */
const groups = new Set<number>();
process.once('exit', () => {
  for (const pgid of groups) { try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ } }
});

/**
 * A process started in its own process group, like a Mesos task: signals can go to the whole
 * task (the wrapper and the server it runs) or to its main process alone. Output goes to a file.
 */
export class ManagedProcess {
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  readonly child: ChildProcess;

  constructor(readonly label: string, cmd: string, args: readonly string[], opts: { env: NodeJS.ProcessEnv; cwd: string; logFile: string }) {
    const out = fs.openSync(opts.logFile, 'a');
    this.child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    this.logFile = opts.logFile;
    if (this.child.pid) groups.add(this.child.pid);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => { this.exit = { code, signal }; resolve(this.exit); });
      this.child.once('error', () => { this.exit = { code: 127, signal: null }; resolve(this.exit); });
    });
  }

  readonly logFile: string;
  get pid(): number { return this.child.pid ?? -1; }
  get running(): boolean { return this.exit === undefined; }
  get exitStatus(): Exit | undefined { return this.exit; }

  /** Signals the whole process group (the task). */
  killGroup(signal: NodeJS.Signals = 'SIGKILL'): void {
    try { process.kill(-this.pid, signal); } catch { /* already gone */ }
  }

  /** Signals only the main process, not its children. */
  kill(signal: NodeJS.Signals): void {
    try { process.kill(this.pid, signal); } catch { /* already gone */ }
  }

  /** SIGTERM the main process, SIGKILL the group after `graceMs`; resolves once it is gone. */
  async stop(graceMs = 5000): Promise<Exit> {
    if (this.running) {
      this.kill('SIGTERM');
      const timer = setTimeout(() => this.killGroup('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.killGroup('SIGKILL'); // anything it left behind
    groups.delete(this.pid);
    return this.exit!;
  }
}
