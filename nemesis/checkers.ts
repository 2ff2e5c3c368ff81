import { eventsOf, type History, type HistoryEvent, type OpEvent } from './history';

/**
 * The checkers: pure functions over a recorded history, each returning its violations. The
 * bounds they use are stated here and in docs/failure-tests.md.
 */

export interface Violation {
  checker: string;
  at: number;
  message: string;
}

export interface Bounds {
  /** How long /sentinels may list a sentinel whose task is dead (after ZooKeeper and the watcher are back). */
  deadSentinelMs: number;
  /** How long after the last fault the deployment must have converged. */
  convergeMs: number;
  /** A-B-A acknowledgements within this span count as two masters acknowledging at once. */
  flipFlopMs: number;
}

/**
 * deadSentinelMs: a killed sentinel's ephemeral node lives one ZooKeeper session (4 s in the
 * nemesis), the watchers see its removal at once by their watch; 4 s of slack for a loaded machine.
 * flipFlopMs: two real changes of master (a failover needs down-after, 2 s; a switchover ~0.4 s
 * and the nemesis runs one at a time) cannot both complete within 1 s.
 */
export const DEFAULT_BOUNDS: Bounds = { deadSentinelMs: 8000, convergeMs: 45000, flipFlopMs: 1000 };

/** No acknowledged (WAIT 1 confirmed) write lost: every one is on the final master. */
export function checkLostWrites(h: History): Violation[] {
  const rb = eventsOf(h, 'read-back').at(-1);
  const acked = eventsOf(h, 'op').filter((o) => o.acked);
  if (!rb) return acked.length ? [{ checker: 'lost-writes', at: h.lastFaultEnd, message: 'no read-back recorded' }] : [];
  if (rb.error) return [{ checker: 'lost-writes', at: rb.t, message: `read-back failed: ${rb.error}` }];
  const missing = new Set(rb.missing);
  const lost = acked.filter((o) => missing.has(o.key));
  if (lost.length === 0) return [];
  const first = lost[0]!;
  return [
    {
      checker: 'lost-writes',
      at: first.end,
      message: `${lost.length} of ${acked.length} acknowledged writes missing on the final master ${rb.master}: ${lost
        .slice(0, 5)
        .map((o) => `${o.key} (acked by ${o.master ?? '?'} at +${o.end - h.startedAt} ms)`)
        .join(', ')}${lost.length > 5 ? ', …' : ''}`,
    },
  ];
}

/**
 * Never two masters acknowledging WAIT-1 writes in overlapping intervals: among acknowledged
 * writes (all clients), an ack by A, then one by B certainly after it (started after it ended),
 * then one by A again certainly after that, all within flipFlopMs, means both took and
 * confirmed writes at once.
 */
export function checkTwoMasters(h: History, bounds: Bounds = DEFAULT_BOUNDS): Violation[] {
  const acked = eventsOf(h, 'op')
    .filter((o): o is OpEvent & { t: number; master: string } => o.acked === true && o.master !== undefined)
    .sort((a, b) => a.end - b.end);
  const out: Violation[] = [];
  for (let i = 0; i < acked.length; i += 1) {
    const x = acked[i]!;
    // The first ack by another master that is certainly after x.
    let j = i + 1;
    while (j < acked.length && (acked[j]!.master === x.master || acked[j]!.start <= x.end)) {
      if (acked[j]!.end - x.start > bounds.flipFlopMs) break;
      j += 1;
    }
    const y = acked[j];
    if (!y || y.master === x.master || y.start <= x.end || y.end - x.start > bounds.flipFlopMs) continue;
    const z = acked.slice(j + 1).find((o) => o.master === x.master && o.start > y.end && o.end - x.start <= bounds.flipFlopMs);
    if (!z) continue;
    out.push({
      checker: 'two-masters',
      at: y.end,
      message: `${x.master} acknowledged ${x.key} (+${x.end - h.startedAt} ms), ${y.master} then ${y.key} (+${y.end - h.startedAt} ms), ${x.master} again ${z.key} (+${z.end - h.startedAt} ms)`,
    });
    // One violation per episode.
    while (i + 1 < acked.length && acked[i + 1]!.end <= z.end) i += 1;
  }
  return out;
}

/**
 * ZooKeeper's master never changes to an address that does not answer as master (unless a fault
 * on that address, or one moving the master, was in effect between the change and the probe), never to an older
 * config epoch (epoch 0: an election or a node's recovery, which Sentinel then follows), and
 * never to another address at the same config epoch (every failover has an epoch of its own).
 */
export function checkZooKeeperMaster(h: History): Violation[] {
  const out: Violation[] = [];
  const faults = eventsOf(h, 'fault-start');
  let prev: { raw: string | null; epoch: number } | undefined;
  for (const e of eventsOf(h, 'zk-master')) {
    if (prev && e.raw !== null && prev.raw !== e.raw) {
      if (e.epoch > 0 && prev.epoch > e.epoch)
        out.push({ checker: 'zk-master', at: e.t, message: `ZooKeeper moved to ${e.raw} at config epoch ${e.epoch}, older than ${prev.raw}'s ${prev.epoch}` });
      else if (e.epoch > 0 && prev.epoch === e.epoch)
        out.push({ checker: 'zk-master', at: e.t, message: `ZooKeeper moved from ${prev.raw} to ${e.raw} at the same config epoch ${e.epoch}` });
    }
    if (e.raw !== null || !prev) prev = { raw: e.raw, epoch: e.epoch };
  }
  const endOf = new Map(eventsOf(h, 'fault-end').map((e) => [e.id, e.t]));
  for (const p of eventsOf(h, 'zk-probe')) {
    if (p.role === 'master') continue;
    // A fault in effect at some point from the change to the probe: one that began in that
    // window, or one on that address that began before and had not ended by the change (a
    // master frozen just before ZooKeeper named it: nemesis seed 1506471166).
    const excused = faults.find(
      (f) =>
        f.t <= p.t &&
        (f.t >= p.changedAt - 50 || (endOf.get(f.id) ?? Number.POSITIVE_INFINITY) >= p.changedAt - 50) &&
        (f.addresses.includes(p.address) || /switchover|rolling restart of redis|config change of redis/.test(f.what)),
    );
    if (excused) continue;
    out.push({
      checker: 'zk-master',
      at: p.changedAt,
      message: `ZooKeeper named ${p.address}, which answered ${p.role} (${p.t - p.changedAt} ms after the change)`,
    });
  }
  return out;
}

/**
 * /sentinels is never an empty list, and never lists a sentinel whose task is dead longer than
 * deadSentinelMs, counted from its death, or from the end of a ZooKeeper outage, of the
 * watcher's own freeze or of its agent's partition when later (the watcher serves the list as
 * last read meanwhile).
 */
export function checkSentinels(h: History, bounds: Bounds = DEFAULT_BOUNDS): Violation[] {
  const out: Violation[] = [];
  const deaths = eventsOf(h, 'task-exit').filter((e) => e.app.includes('sentinel'));
  const starts = eventsOf(h, 'task-start');
  const faultStarts = eventsOf(h, 'fault-start');
  const faultEnds = eventsOf(h, 'fault-end');
  // When a fault that keeps a watcher's view still (ZooKeeper away, the watcher frozen) ended after t.
  const heldUntil = (watcher: string, from: number, to: number): number => {
    let until = from;
    for (const f of faultStarts) {
      if (f.t > to) continue;
      const holds = /^ZooKeeper/.test(f.what) || (/^(freeze|partition)/.test(f.what) && f.addresses.includes(watcher));
      if (!holds) continue;
      const end = faultEnds.find((x) => x.id === f.id)?.t ?? to;
      if (end > until) until = end;
    }
    return until;
  };
  const reported = new Set<string>();
  for (const s of eventsOf(h, 'sentinels')) {
    if (s.status === 200 && s.list !== null && s.list.length === 0)
      out.push({ checker: 'sentinels', at: s.t, message: `${s.watcher}/sentinels answered an empty list` });
  }
  // A list holds from its sample until the watcher's next sample.
  const byWatcher = new Map<string, Array<HistoryEvent & { type: 'sentinels' }>>();
  for (const s of eventsOf(h, 'sentinels')) byWatcher.set(s.watcher, [...(byWatcher.get(s.watcher) ?? []), s]);
  for (const d of deaths) {
    const reborn = starts.find((s) => s.address === d.address && s.t > d.t)?.t ?? Number.POSITIVE_INFINITY;
    for (const [watcher, samples] of byWatcher) {
      const key = `${watcher} ${d.address} ${d.t}`;
      for (const s of samples) {
        if (s.t <= d.t || s.t >= reborn || !s.list?.includes(d.address)) continue;
        const since = heldUntil(watcher, d.t, s.t);
        if (s.t - since > bounds.deadSentinelMs && !reported.has(key)) {
          reported.add(key);
          out.push({
            checker: 'sentinels',
            at: s.t,
            message: `${watcher}/sentinels still listed ${d.address} ${s.t - d.t} ms after its task died (${s.t - since} ms after ZooKeeper and the watcher could know; bound ${bounds.deadSentinelMs} ms)`,
          });
        }
      }
    }
  }
  return out;
}

/** Within convergeMs after the last fault, a convergence sample was ok. */
export function checkConvergence(h: History, bounds: Bounds = DEFAULT_BOUNDS): Violation[] {
  const samples = eventsOf(h, 'converge');
  const ok = samples.find((s) => s.ok);
  if (ok && ok.t - h.lastFaultEnd <= bounds.convergeMs) return [];
  const last = samples.filter((s) => !s.ok).at(-1);
  return [
    {
      checker: 'convergence',
      at: ok?.t ?? last?.t ?? h.lastFaultEnd,
      message: ok
        ? `converged ${ok.t - h.lastFaultEnd} ms after the last fault (bound ${bounds.convergeMs} ms)`
        : `not converged ${bounds.convergeMs} ms after the last fault: ${last?.reason ?? 'no sample'}`,
    },
  ];
}

/** Convergence time after the last fault, ms (undefined: never). */
export function convergenceMs(h: History): number | undefined {
  const ok = eventsOf(h, 'converge').find((s) => s.ok);
  return ok ? ok.t - h.lastFaultEnd : undefined;
}

/** No program exits unless the nemesis killed or stopped its task (or its redis-server), or Marathon killed it (model mode). */
export function checkExits(h: History): Violation[] {
  const killed = new Set([...eventsOf(h, 'fault-start').flatMap((f) => f.tasks), ...eventsOf(h, 'task-kill').map((k) => k.task)]);
  const teardown = eventsOf(h, 'teardown')[0]?.t ?? Number.POSITIVE_INFINITY;
  return eventsOf(h, 'task-exit')
    .filter((e) => e.t < teardown && !killed.has(e.task))
    .map((e) => ({ checker: 'exits', at: e.t, message: `${e.task} (${e.address}) exited by itself: ${e.signal ?? `code ${e.code}`}` }));
}

export function checkAll(h: History, bounds: Bounds = DEFAULT_BOUNDS): Violation[] {
  return [
    ...checkLostWrites(h),
    ...checkTwoMasters(h, bounds),
    ...checkZooKeeperMaster(h),
    ...checkSentinels(h, bounds),
    ...checkConvergence(h, bounds),
    ...checkExits(h),
  ].sort((a, b) => a.at - b.at);
}

/** The events around `at` (±windowMs), client operations summed up per client instead of listed. */
export function eventsAround(h: History, at: number, windowMs = 3000): string[] {
  const near = h.events.filter((e) => Math.abs((e.type === 'op' ? e.end : e.t) - at) <= windowMs);
  const lines: string[] = [];
  const rel = (t: number) => `+${((t - h.startedAt) / 1000).toFixed(3)}s`;
  const ops = new Map<string, { ok: number; acked: number; failed: number; masters: Set<string> }>();
  for (const e of near) {
    if (e.type === 'op') {
      const c = ops.get(e.client) ?? { ok: 0, acked: 0, failed: 0, masters: new Set() };
      if (e.ok) c.ok += 1;
      else c.failed += 1;
      if (e.acked) c.acked += 1;
      if (e.master) c.masters.add(e.master);
      ops.set(e.client, c);
      continue;
    }
    const { t, type, ...rest } = e;
    lines.push(`${rel(t)} ${type} ${JSON.stringify(rest)}`);
  }
  for (const [client, c] of ops)
    lines.push(`(${client} client within ±${windowMs} ms: ${c.ok} ok, ${c.acked} acked, ${c.failed} failed; answered by ${[...c.masters].join(', ') || '-'})`);
  return lines;
}
