import type { Logger } from '../log';
import { exitStatus, Supervised } from './supervisor';

/**
 * The life of a wrapper's server process, shared by both wrappers: signals are forwarded (after
 * the wrapper's own stop steps, e.g. leaving ZooKeeper first), the wrapper exits with the
 * server's status, and a server that dies on its own makes the wrapper exit non-zero so Marathon
 * replaces the task.
 */
export class ServerTask {
  private server: Supervised | undefined;
  private stopping = false;
  /** The wrapper has signalled the server (the last step of a stop). */
  private signalled = false;
  /** Set once the server exited: it did so before the wrapper signalled it (a crash, also during the stop steps). */
  private exitedUnasked = false;
  /** The stop steps, while they run: a server that exits meanwhile waits for them (they restore what they changed). */
  private stopSteps: Promise<void> = Promise.resolve();
  /** A restart under way (restart()): run() waits for the new server instead of ending. */
  private restarting: Promise<void> | undefined;
  private readonly beforeStop: Array<() => Promise<void>> = [];
  private readonly cleanup: Array<() => Promise<void> | void> = [];

  constructor(
    private readonly log: Logger,
    private readonly serverName: string,
  ) {}

  /** SIGTERM and SIGINT start the stop (the wrapper's stop steps, then the server's): call at start-up. */
  listenForStopSignals(): this {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => void this.stop(sig));
    return this;
  }

  /** Runs on a stop signal before the server is signalled (bounded by the caller). */
  onBeforeStop(step: () => Promise<void>): void {
    this.beforeStop.push(step);
  }
  /** Runs after the server exited, whatever the reason. */
  onExit(step: () => Promise<void> | void): void {
    this.cleanup.push(step);
  }

  start(bin: string, args: readonly string[], niceBelow = 0): Supervised {
    this.server = new Supervised(bin, args, this.log, niceBelow);
    return this.server;
  }

  /** The server exited without the wrapper telling it to (it died), also during the stop steps; read in onExit steps. */
  get diedOnItsOwn(): boolean {
    return this.exitedUnasked;
  }

  /**
   * Stops the server (SIGTERM), runs `prepare` (e.g. edits its config file) and starts it again
   * with the same command: the wrapper, its registration and its port stay. False when there is
   * nothing to restart, a stop began, or a restart is under way.
   */
  async restart(prepare: () => Promise<void>, reason: string): Promise<boolean> {
    const old = this.server;
    if (!old || this.stopping || this.restarting) return false;
    let done = () => {};
    this.restarting = new Promise<void>((resolve) => {
      done = resolve;
    });
    try {
      this.log.info({ reason }, `restarting ${this.serverName}`);
      old.terminate('SIGTERM');
      await old.exited;
      await prepare().catch((err) => this.log.error({ err: String(err) }, `could not prepare the restart of ${this.serverName}; starting it as it was`));
      this.server = new Supervised(old.bin, old.args, this.log, old.niceBelow);
      return true;
    } finally {
      this.restarting = undefined;
      done();
    }
  }

  private async stop(signal: NodeJS.Signals): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.restarting; // a stop during a restart signals the new server
    this.log.info({ signal, reason: 'stop requested' }, 'stopping');
    if (!this.server) process.exit(0); // nothing started yet; ephemeral nodes go with the session
    this.stopSteps = (async () => {
      for (const step of this.beforeStop) {
        await step().catch((err) => this.log.warn({ err: String(err) }, 'stop step failed; stopping anyway'));
      }
    })();
    await this.stopSteps;
    this.signalled = true;
    this.server.terminate(signal);
  }

  /** Waits for the server to exit; resolves with the wrapper's exit status. */
  async run(): Promise<number> {
    if (!this.server) throw new Error('ServerTask.run before start');
    let server = this.server;
    let exit = await server.exited;
    // Exited for a restart: wait for the one started in its place.
    while (this.restarting || this.server !== server) {
      await this.restarting;
      server = this.server;
      exit = await server.exited;
    }
    this.exitedUnasked = !this.signalled; // now: once the stop steps end, the stop signals it
    // Died during a stop step (a switchover that made replicas ineligible): the step ends and restores first.
    await this.stopSteps;
    const reason = this.exitedUnasked ? `${this.serverName} died${this.stopping ? ' during the stop steps' : ''}` : 'stop requested';
    this.log[this.exitedUnasked ? 'error' : 'info']({ ...exit, reason }, `${this.serverName} exited`);
    for (const step of this.cleanup)
      await Promise.resolve()
        .then(step)
        .catch(() => undefined);
    const status = exitStatus(exit);
    return this.stopping ? status : status || 1;
  }
}
