import {
  type Address, askSentinel, askSentinels, type Directory, formatAddress, type Logger, readReplication, sameAddress, sleep, withRedis, withSentinel,
} from '@redis-zk/core';

export interface SwitchoverInputs {
  dir: Directory;
  name: string;
  /** Where the local redis-server listens, and what it announces. */
  local: Address;
  announce: Address;
  password: string | undefined;
  timeoutMs: number;
  log: Logger;
}

/** Replication facts of the local server: role, offset, and the offsets its replicas acked. */
async function replication(i: SwitchoverInputs) {
  const state = await readReplication(i.local, { password: i.password, timeoutMs: 1000 });
  return { role: state.role, offset: state.offset, replicaOffsets: state.replicas.map((r) => r.offset) };
}

/** Sentinel's refusals that go away by themselves: a failover still running, a replica it has not learnt yet. */
const TRANSIENT = /INPROG|NOGOODSLAVE/;
const RETRY_MS = 200;

/**
 * A planned stop of the master without losing acknowledged writes and with a short write outage.
 * First, with writes still flowing, wait until Sentinel could fail over (a sentinel takes this
 * node for the master, none is failing over, and one knows a replica with its link up): stopping
 * the master before that (right after a previous failover, or before Sentinel has learnt a new
 * replica) would leave the set without one. Then pause writes, let a replica catch up, ask
 * Sentinel to fail over (SENTINEL FAILOVER), make this node a replica of the promoted one and
 * unpause (clients still blocked get READONLY and move to the new master). Refused for a passing
 * reason, it unpauses and starts over. Bounded by `timeoutMs`; whatever fails, the stop goes on.
 */
export async function switchOver(i: SwitchoverInputs): Promise<void> {
  if (i.timeoutMs === 0) return;
  const deadline = Date.now() + i.timeoutMs;
  const log = i.log.child({ step: 'switchover' });
  let state: Awaited<ReturnType<typeof replication>>;
  try {
    state = await replication(i);
  } catch (err) {
    log.warn({ err: String(err), reason: 'redis-server does not answer' }, 'stopping without switchover');
    return;
  }
  if (state.role !== 'master') return;
  if (state.replicaOffsets.length === 0) {
    log.warn({ reason: 'no connected replica to promote' }, 'stopping without switchover');
    return;
  }
  const sentinels = (await i.dir.listSentinels().catch(() => [])).map((s) => s.address);
  if (sentinels.length === 0) {
    log.warn({ reason: 'no sentinel registered (or ZooKeeper unavailable)' }, 'stopping without switchover');
    return;
  }
  const started = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    const waited = await untilSentinelCanFailOver(i, sentinels, deadline);
    if (!waited.ok) {
      log.warn({ reason: waited.reason, timeoutMs: i.timeoutMs }, 'stopping without switchover');
      return;
    }
    if (waited.reason !== 'ready at once') log.info({ waitedMs: waited.waitedMs, reason: waited.reason }, 'Sentinel can fail over now');
    const outcome = await pausedHandover(i, sentinels, deadline, started, log);
    if (outcome !== 'retry') return;
    log.info({ attempt, reason: 'Sentinel refused for a passing reason' }, 'writes resumed; trying the switchover again');
  }
}

/**
 * Waits, writes flowing, until a reachable sentinel names this node, none is failing over, and one
 * knows a replica with its link up. The reason says what was waited for.
 */
async function untilSentinelCanFailOver(i: SwitchoverInputs, sentinels: readonly Address[], deadline: number): Promise<{ ok: boolean; waitedMs: number; reason: string }> {
  const since = Date.now();
  let reason = '';
  while (Date.now() < deadline) {
    const views = await askSentinels(sentinels, i.name, { withReplicas: true, timeoutMs: 1000 });
    const live = views.filter((v) => v.reachable && v.monitors);
    const failing = live.some((v) => v.reachable && v.failoverInProgress);
    const knowing = live.filter((v) => v.reachable && sameAddress(v.master, i.announce) && (v.replicas ?? []).some((r) => r.ok));
    if (!failing && knowing.length > 0) return { ok: true, waitedMs: Date.now() - since, reason: reason || 'ready at once' };
    reason = failing ? 'a failover still in progress' : live.length === 0 ? 'no sentinel answers' : 'Sentinel to learn a replica with its link up, or to name this node';
    await sleep(RETRY_MS);
  }
  return { ok: false, waitedMs: Date.now() - since, reason: `Sentinel could not fail over within the timeout (waited for ${reason})` };
}

/** Pause, catch up, SENTINEL FAILOVER, follow the promoted node; unpauses whatever happens. */
async function pausedHandover(i: SwitchoverInputs, sentinels: readonly Address[], deadline: number, started: number, log: Logger): Promise<'done' | 'retry' | 'failed'> {
  await withRedis(i.local, { password: i.password }, (r) => r.call('CLIENT', 'PAUSE', String(Math.max(1, deadline - Date.now())), 'WRITE'));
  try {
    // Every write acknowledged so far must be on the replicas before one of them takes over.
    while (Date.now() < deadline) {
      const s = await replication(i);
      if (s.replicaOffsets.some((o) => o >= s.offset)) break;
      await sleep(20);
    }
    const asked = await askFailover(i, sentinels, log);
    if (asked === 'transient') return Date.now() + RETRY_MS < deadline ? 'retry' : 'failed';
    if (!asked) return 'failed';
    // Sentinel promotes a replica, then would demote this node on its next look; demoting it
    // here at once shortens the window in which clients still reach the old master.
    while (Date.now() < deadline) {
      const view = await askSentinel(asked, i.name);
      const promoted = view.reachable ? view.master : null;
      if (promoted && !sameAddress(promoted, i.announce)) {
        await withRedis(i.local, { password: i.password, timeoutMs: 2000 }, (r) => r.call('REPLICAOF', promoted.host, String(promoted.port)));
        log.info({ sentinel: formatAddress(asked), master: formatAddress(promoted), ms: Date.now() - started, reason: 'planned stop of the master' }, 'switched over; this node is now a replica');
        return 'done';
      }
      await sleep(50);
    }
    log.warn({ timeoutMs: i.timeoutMs, reason: 'Sentinel did not promote a replica in time' }, 'stopping without a completed switchover');
    return 'failed';
  } finally {
    await withRedis(i.local, { password: i.password }, (r) => r.call('CLIENT', 'UNPAUSE')).catch(() => undefined);
  }
}

/** SENTINEL FAILOVER on the first sentinel that accepts; 'transient' when all refused for a passing reason. */
async function askFailover(i: SwitchoverInputs, sentinels: readonly Address[], log: Logger): Promise<Address | 'transient' | undefined> {
  const refusals: string[] = [];
  for (const s of sentinels) {
    try {
      await withSentinel(s, { timeoutMs: 1000 }, (r) => r.call('SENTINEL', 'FAILOVER', i.name));
      return s;
    } catch (err) {
      refusals.push(String(err));
      log.debug({ sentinel: formatAddress(s), err: String(err) }, 'sentinel refused the failover; trying the next');
    }
  }
  if (refusals.some((r) => TRANSIENT.test(r))) return 'transient';
  log.warn({ reason: 'no sentinel accepted SENTINEL FAILOVER', refusals }, 'stopping without switchover');
  return undefined;
}
