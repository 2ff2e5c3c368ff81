import type { Address } from '../address';
import { formatAddress } from '../address';
import type { Logger } from '../log';
import { withRedis } from '../redis/connect';
import { RedisPool } from '../redis/pool';

/** One slice of CLIENT PAUSE: a paused master's writes flow again at most this long after its pauser is gone. */
export const PAUSE_SLICE_MS = 2000;
/** The slice is renewed this often while the pause is held (Redis keeps the later end of two pauses). */
export const PAUSE_RENEW_MS = 400;

/** How long the next slice is: a full slice, or what is left before the deadline (at least 1 ms). */
export const pauseSliceMs = (deadline: number, now: number): number => Math.max(1, Math.min(PAUSE_SLICE_MS, deadline - now));

/**
 * A master's writes paused (CLIENT PAUSE WRITE) in short slices renewed while the holder lives:
 * if the process holding it dies (kill -9, a dropped SSH session), writes resume within
 * PAUSE_SLICE_MS instead of at the handover's deadline. Never past `deadline`. The renewals go
 * over one long-lived connection; a failed renewal is tried again on the next beat (two more
 * before the slice runs out).
 */
export class WritePause {
  private pool: RedisPool | undefined;
  private timer: NodeJS.Timeout | undefined;
  private held = false;

  constructor(
    private readonly master: Address,
    private readonly deadline: number,
    private readonly log: Logger,
  ) {}

  get active(): boolean {
    return this.held;
  }

  /** Pauses writes now (rejects when the master does not take it), and keeps them paused until end() or the deadline. */
  async start(): Promise<void> {
    await this.slice();
    this.held = true;
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (Date.now() >= this.deadline) return this.stopRenewing();
      this.slice().catch((err: unknown) =>
        this.log.warn({ master: formatAddress(this.master), err: String(err), reason: 'renewal failed' }, 'write pause not renewed; tried again shortly'),
      );
    }, PAUSE_RENEW_MS);
  }

  /** Writes flow again (CLIENT UNPAUSE; best effort: an unrenewed slice ends by itself). */
  async end(): Promise<void> {
    this.stopRenewing();
    this.held = false;
    // Also after a start() whose answer was lost: the pause may have taken.
    if (this.pool) await this.send((r) => r.call('CLIENT', 'UNPAUSE')).catch(() => undefined);
    this.pool?.close();
    this.pool = undefined;
  }

  /**
   * Stops renewing without lifting the pause: the slice under way ends by itself within
   * PAUSE_SLICE_MS. For a handover that gives up while Sentinel fails over from this master:
   * CLIENT UNPAUSE would also lift the pause the node's own wrapper holds for that failover
   * (Redis keeps one pause), and writes the promotion then discards would be acknowledged.
   */
  abandon(): void {
    this.stopRenewing();
    this.held = false;
    this.pool?.close();
    this.pool = undefined;
  }

  private slice(): Promise<unknown> {
    return this.send((r) => r.call('CLIENT', 'PAUSE', String(pauseSliceMs(this.deadline, Date.now())), 'WRITE'));
  }

  private send<T>(use: Parameters<typeof withRedis<T>>[2]): Promise<T> {
    this.pool ??= new RedisPool({ timeoutMs: 1000 });
    return withRedis(this.master, { pool: this.pool }, use);
  }

  private stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
