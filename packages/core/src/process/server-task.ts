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
  /** The stop steps, while they run: a server that exits meanwhile waits for them (they restore what they changed). */
  private stopSteps: Promise<void> = Promise.resolve();
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

  get isStopping(): boolean {
    return this.stopping;
  }

  private async stop(signal: NodeJS.Signals): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info({ signal, reason: 'stop requested' }, 'stopping');
    if (!this.server) process.exit(0); // nothing started yet; ephemeral nodes go with the session
    this.stopSteps = (async () => {
      for (const step of this.beforeStop) {
        await step().catch((err) => this.log.warn({ err: String(err) }, 'stop step failed; stopping anyway'));
      }
    })();
    await this.stopSteps;
    this.server.terminate(signal);
  }

  /** Waits for the server to exit; resolves with the wrapper's exit status. */
  async run(): Promise<number> {
    if (!this.server) throw new Error('ServerTask.run before start');
    const exit = await this.server.exited;
    // Died during a stop step (a switchover that made replicas ineligible): the step ends and restores first.
    await this.stopSteps;
    const reason = this.stopping ? 'stop requested' : `${this.serverName} died`;
    this.log[this.stopping ? 'info' : 'error']({ ...exit, reason }, `${this.serverName} exited`);
    for (const step of this.cleanup)
      await Promise.resolve()
        .then(step)
        .catch(() => undefined);
    const status = exitStatus(exit);
    return this.stopping ? status : status || 1;
  }
}
