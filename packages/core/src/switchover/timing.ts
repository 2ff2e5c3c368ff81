import { type Address, formatAddress, sameAddress } from '../address';
import type { SentinelView } from '../sentinel/query';

/**
 * When to send SENTINEL FAILOVER. Sentinel (7.0 sentinel.c) advances its failover one state per
 * timer tick (10-19 Hz: 52-100 ms): tick 1 elects itself (forced), tick 2 selects the replica,
 * tick 3 sends it SLAVEOF NO ONE. It then waits for an INFO reply from that replica showing
 * role:master, and during a failover it sends a replica INFO only once the last reply is more than
 * 1000 ms old (hard-coded). Its answer to GET-MASTER-ADDR-BY-NAME changes only then. Sent at a
 * random moment, the promoted replica's INFO was mostly just refreshed at tick 1 (outside a
 * failover its period is Sentinel's 10 s, or SENTINEL_INFO_PERIOD_MS on our sentinels), so
 * Sentinel sees the promotion ~1 s after the command. Sent when its last INFO reply is ~720 ms
 * old, no INFO goes out at ticks 1-2 (≤ 200 ms: age < 1000) and the next one goes out with or just
 * after the SLAVEOF at tick 3: ~300 ms instead of ~1 s.
 */
export const ALIGN = {
  /** The age of the target's last INFO reply at which the command is best sent. */
  sendAtMs: 720,
  /** Accepted as on time: sent older than this, the INFO may go out at tick 2, before the promotion. */
  earliestMs: 620,
  latestMs: 790,
} as const;

export type FailoverTiming =
  | { readonly kind: 'now'; readonly reason: string }
  | { readonly kind: 'wait'; readonly ms: number; readonly reason: string }
  | { readonly kind: 'next-info'; readonly reason: string };

/**
 * From the age of the target's last INFO reply on the sentinel that will lead (SENTINEL REPLICAS
 * info-refresh), when to send the command (pure).
 *
 * | age (ms)          | timing                                   |
 * |-------------------|------------------------------------------|
 * | unknown           | now (nothing to align on)                |
 * | < 620             | wait 720 − age                           |
 * | 620 … 790         | now                                      |
 * | > 790             | wait for the sentinel's next INFO to it  |
 */
export function failoverTiming(ageMs: number | null | undefined): FailoverTiming {
  if (ageMs === null || ageMs === undefined || !Number.isFinite(ageMs)) return { kind: 'now', reason: "the target's INFO age is unknown" };
  if (ageMs < ALIGN.earliestMs) return { kind: 'wait', ms: ALIGN.sendAtMs - ageMs, reason: `its last INFO is ${ageMs} ms old` };
  if (ageMs <= ALIGN.latestMs) return { kind: 'now', reason: `its last INFO is ${ageMs} ms old: Sentinel reads it again right after promoting it` };
  return { kind: 'next-info', reason: `its last INFO is ${ageMs} ms old: waiting for the next one` };
}

/**
 * The replica to promote when none is named (pure): one that Sentinel may promote (a sentinel that
 * names `master` knows it with its link up, none read replica-priority 0) and that the master
 * lists; the furthest along by the master's count, then the lowest priority (Sentinel's own order),
 * then the lowest address. Naming one lets the handover make the others ineligible, so Sentinel
 * cannot pick a replica that has not caught up, and lets it time the command on that replica.
 *
 * | master lists            | sentinels                        | chosen               |
 * |-------------------------|----------------------------------|----------------------|
 * | none                    | any                              | none                 |
 * | A (offset 10), B (12)   | both ok, priority 100            | B                    |
 * | A (12), B (12)          | A priority 50, B 100             | A                    |
 * | A (12), B (12)          | same priority                    | the lower address    |
 * | A (10), B (12)          | B priority 0 (never promote)     | A                    |
 * | A (10), B (12)          | B down for every sentinel        | A                    |
 */
export function chooseTarget(
  masterReplicas: ReadonlyArray<{ readonly address: Address; readonly offset: number }>,
  views: readonly SentinelView[],
  master: Address,
): Address | null {
  const naming = views.flatMap((v) => (v.reachable && v.monitors && sameAddress(v.master, master) ? [v] : []));
  if (naming.length === 0) return null;
  // Eligible: one of them knows it with its link up, and none read replica-priority 0 (never promote).
  const priorityOf = (a: Address): number | null => {
    const known = naming.flatMap((v) => (v.replicas ?? []).filter((x) => sameAddress(x.address, a)));
    if (known.some((r) => r.priority <= 0) || !known.some((r) => r.ok)) return null;
    return Math.max(...known.map((r) => r.priority));
  };
  const eligible = masterReplicas.flatMap((r) => {
    const priority = priorityOf(r.address);
    return priority === null ? [] : [{ ...r, priority }];
  });
  eligible.sort((a, b) => b.offset - a.offset || a.priority - b.priority || formatAddress(a.address).localeCompare(formatAddress(b.address)));
  return eligible[0]?.address ?? null;
}
