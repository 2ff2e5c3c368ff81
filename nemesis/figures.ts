import { convergenceMs } from './checkers';
import { eventsOf, type History } from './history';

/** What a run measured (figures, never asserted as limits). */
export interface Figures {
  faults: number;
  skipped: number;
  /** WAIT client: writes acknowledged by WAIT 1, and writes that were not. */
  acked: number;
  notAcked: number;
  /** HAProxy client: writes acknowledged by WAIT 1 through HAProxy's write port, and not. */
  haproxyAcked: number;
  haproxyNotAcked: number;
  /** Plain client: SETs answered OK, and failed ones. */
  plainOk: number;
  plainFailed: number;
  /** Share of the seconds from the first fault to convergence (or the end) with at least one acknowledged write. */
  writeAvailability: number;
  /** Longest gap between two acknowledged writes, ms. */
  longestAckGapMs: number;
  /** From the end of the last fault to convergence, ms (null: not converged). */
  convergenceMs: number | null;
}

/** The figures of a history whose faults started at `t0`. Pure. */
export function figuresOf(h: History, t0: number): Figures {
  const ops = eventsOf(h, 'op');
  const wait = ops.filter((o) => o.client === 'wait');
  const plain = ops.filter((o) => o.client === 'plain');
  const ackTimes = wait
    .filter((o) => o.acked)
    .map((o) => o.end)
    .sort((a, b) => a - b);
  const conv = convergenceMs(h);
  const windowEnd = conv !== undefined ? h.lastFaultEnd + conv : Math.max(h.lastFaultEnd, ackTimes.at(-1) ?? t0);
  const seconds = Math.max(1, Math.ceil((windowEnd - t0) / 1000));
  const covered = new Set(ackTimes.filter((t) => t >= t0 && t < t0 + seconds * 1000).map((t) => Math.floor((t - t0) / 1000)));
  let gap = 0;
  for (let i = 1; i < ackTimes.length; i += 1) gap = Math.max(gap, ackTimes[i]! - ackTimes[i - 1]!);
  return {
    faults: new Set(eventsOf(h, 'fault-start').map((f) => f.id)).size,
    skipped: eventsOf(h, 'fault-skip').length,
    acked: ackTimes.length,
    notAcked: wait.length - ackTimes.length,
    haproxyAcked: ops.filter((o) => o.client === 'haproxy' && o.acked).length,
    haproxyNotAcked: ops.filter((o) => o.client === 'haproxy' && !o.acked).length,
    plainOk: plain.filter((o) => o.ok).length,
    plainFailed: plain.filter((o) => !o.ok).length,
    writeAvailability: covered.size / seconds,
    longestAckGapMs: gap,
    convergenceMs: conv ?? null,
  };
}
