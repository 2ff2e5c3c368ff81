import type { FailoverStart } from '@redis-zk/core';

/** The first signs of a set's failover, as this watcher received them. */
export interface FailoverSigns {
  /** The first +sdown of the master by any sentinel. */
  readonly sdownAt?: number;
  /** The first +try-failover. */
  readonly tryAt?: number;
}

/** Signs older than this belong to an earlier failover that never completed. */
export const SIGNS_KEPT_MS = 10 * 60_000;

/**
 * How long a failover took, as a watcher can tell (pure): from the moment the master stopped
 * answering — a sentinel's +sdown comes down-after-milliseconds after that — or, failing that,
 * from the failover's start (+try-failover; a switchover has no +sdown), to the promotion.
 * Undefined when no sign was seen.
 *
 * | signs                | duration                                   |
 * |----------------------|--------------------------------------------|
 * | none                 | undefined                                  |
 * | +try-failover only   | promoted − try                             |
 * | +sdown (and/or try)  | promoted − min(sdown − down-after, try)    |
 * | older than 10 min    | undefined                                  |
 */
export function failoverDuration(signs: FailoverSigns | undefined, promotedAt: number, downAfterMs: number): number | undefined {
  if (!signs) return undefined;
  const starts = [...(signs.sdownAt !== undefined ? [signs.sdownAt - downAfterMs] : []), ...(signs.tryAt !== undefined ? [signs.tryAt] : [])].filter(
    (s) => promotedAt - s <= SIGNS_KEPT_MS + downAfterMs,
  );
  if (starts.length === 0) return undefined;
  return Math.max(0, promotedAt - Math.min(...starts));
}

/** Keeps each set's first signs until its promotion takes them. */
export class FailoverClock {
  private readonly signs = new Map<string, FailoverSigns>();

  note(start: FailoverStart): void {
    const now = start.at;
    const had = this.signs.get(start.name);
    const fresh = had && [had.sdownAt, had.tryAt].some((t) => t !== undefined && now - t < SIGNS_KEPT_MS) ? had : {};
    const key = start.channel === '+sdown' ? 'sdownAt' : 'tryAt';
    if (fresh[key] === undefined) this.signs.set(start.name, { ...fresh, [key]: now });
  }

  /** The failover's duration (see failoverDuration); the signs are forgotten. */
  take(name: string, promotedAt: number, downAfterMs: number): number | undefined {
    const signs = this.signs.get(name);
    this.signs.delete(name);
    return failoverDuration(signs, promotedAt, downAfterMs);
  }
}
