import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { onExit } from './exit-hooks';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A process started in its own process group, like a Mesos task: signals can go to the whole
 * task (the wrapper and the server it runs) or to its main process alone. Output goes to a file.
 */
export class ManagedProcess {
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  readonly child: ChildProcess;
  /** Its group stays on the kill-at-exit list until stop() (children may outlive the main process). */
  private readonly forget: () => void;

  constructor(
    readonly label: string,
    cmd: string,
    args: readonly string[],
    opts: { env: NodeJS.ProcessEnv; cwd: string; logFile: string },
  ) {
    const out = fs.openSync(opts.logFile, 'a');
    this.child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    this.logFile = opts.logFile;
    // A group still alive when this process ends is killed (registered at start, not on import).
    const pgid = this.child.pid;
    this.forget = pgid
      ? onExit(() => {
          try {
            process.kill(-pgid, 'SIGKILL');
          } catch {
            /* gone */
          }
        })
      : () => undefined;
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.child.once('error', () => {
        this.exit = { code: 127, signal: null };
        resolve(this.exit);
      });
    });
  }

  readonly logFile: string;
  get pid(): number {
    return this.child.pid ?? -1;
  }
  get running(): boolean {
    return this.exit === undefined;
  }
  get exitStatus(): Exit | undefined {
    return this.exit;
  }

  /** Signals the whole process group (the task). */
  killGroup(signal: NodeJS.Signals = 'SIGKILL'): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      /* already gone */
    }
  }

  /** Signals only the main process, not its children. */
  kill(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      /* already gone */
    }
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
    this.forget();
    return this.exit!;
  }
}
