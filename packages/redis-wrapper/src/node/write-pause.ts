import { performance } from 'node:perf_hooks';
import { withRedis } from '@redis-zk/core';
import type { LoopInputs } from './role-loop';
import { writePauseFor } from './tick-timing';

/**
 * The node loop's write pause of its master (CLIENT PAUSE WRITE: writes wait, reads go on): set
 * and renewed while the loop cannot tell whether the set has moved on, lifted when it can. It
 * knows only the pause it set itself (not a switchover's), by the monotonic clock.
 */
export class WritePause {
  /** Until when the pause this loop set lasts; 0: none of ours. */
  private until = 0;
  private since = 0;
  /** When this loop last set or renewed it: a tick that looked before must not lift it. */
  private renewedAt = 0;

  constructor(private readonly inputs: Pick<LoopInputs, 'local' | 'pool' | 'intervalMs' | 'log' | 'counters'>) {}

  /** Whether the loop's own pause still holds (the loop then looks again sooner). */
  get holding(): boolean {
    return this.until > performance.now();
  }

  /**
   * Sets or renews the pause. A later CLIENT PAUSE never shortens an earlier one (Redis keeps the
   * later end), so a switchover's longer pause is kept.
   */
  async renew(reason: string): Promise<void> {
    const ms = writePauseFor(this.inputs.intervalMs);
    const at = performance.now();
    try {
      await withRedis(this.inputs.local, { pool: this.inputs.pool }, (r) => r.call('CLIENT', 'PAUSE', String(ms), 'WRITE'));
    } catch (err) {
      this.inputs.log.warn({ err: String(err), reason }, 'could not pause writes; next tick');
      return;
    }
    if (this.until <= at) {
      this.since = at;
      this.inputs.counters.writePauses += 1;
      this.inputs.log.warn({ action: 'pause', pauseMs: ms, reason }, 'paused writes: this master may have been left behind');
    } else {
      this.inputs.log.debug({ action: 'pause', pauseMs: ms, reason }, 'write pause renewed');
    }
    this.until = at + ms;
    this.renewedAt = at;
  }

  /**
   * Lifts the pause at once (not one it never set, nor one already expired: that may be a
   * switchover's), unless it was renewed after `lookedAt`, on news the tick's view predates. A
   * stopped loop lifts nothing (a stopping master's handover holds its own pause).
   */
  async lift(reason: string, lookedAt: number, running: boolean): Promise<void> {
    if (this.until <= performance.now() || !running) {
      this.until = 0;
      return;
    }
    if (this.renewedAt > lookedAt) return;
    try {
      await withRedis(this.inputs.local, { pool: this.inputs.pool }, (r) => r.call('CLIENT', 'UNPAUSE'));
    } catch (err) {
      this.inputs.log.warn({ err: String(err), reason }, 'could not lift the write pause; it expires by itself');
    }
    this.inputs.log.info({ action: 'resume', pausedMs: Math.round(performance.now() - this.since), reason }, 'writes resumed');
    this.until = 0;
  }
}
