import { type Address, formatAddress, sameAddress } from '../address';
import type { Logger } from '../log';
import { withRedis, withSentinel } from '../redis/connect';
import { readReplication, type ReplicationState } from '../redis/replication';
import { askSentinel, askSentinels } from '../sentinel/query';
import { sleep } from '../time';
import type { Directory } from '../zk/directory';
import { excludeFromPromotion, type Exclusion } from './priorities';
import { sentinelReadiness } from './readiness';

export interface HandoverInputs {
  dir: Directory;
  name: string;
  /** Where to reach the master: its local address for its own wrapper, the announced one from elsewhere. */
  master: Address;
  /** How Sentinel and the replicas name the master. */
  announce: Address;
  timeoutMs: number;
  /** Promote this replica: the others are made ineligible (replica-priority 0) until the handover ends. */
  target?: Address | undefined;
  /** Who asks, for the history (`redis-wrapper 10.0.0.1:31001`, `redis-zk cli on host`). */
  by: string;
  /** Why, for the history and the logs. */
  reason: string;
  log: Logger;
}

export type HandoverOutcome =
  | { readonly ok: true; readonly promoted: Address; readonly epoch: number; readonly pausedMs: number; readonly tookMs: number }
  | { readonly ok: false; readonly reason: string };

/** Sentinel's refusals that go away by themselves: a failover still running, a replica it has not learnt yet. */
const TRANSIENT = /INPROG|NOGOODSLAVE/;
const RETRY_MS = 200;

const no = (reason: string): HandoverOutcome => ({ ok: false, reason });

/**
 * A planned switchover without losing acknowledged writes and with a short write outage; the one
 * procedure behind a master's SIGTERM (redis-wrapper) and `redis-zk switchover` (the CLI).
 * First, with writes still flowing, wait until Sentinel could fail over (a sentinel takes this
 * node for the master, none is failing over, and one knows a replica with its link up — the
 * target, when one is given, with every other replica ineligible): handing over before that
 * (right after a previous failover, or before Sentinel has learnt a new replica) would leave the
 * set without a master. Then pause writes (CLIENT PAUSE WRITE), let the replica catch up, ask
 * Sentinel to fail over (SENTINEL FAILOVER), make the old master a replica of the promoted one and
 * cut its clients off (as Sentinel does when it reconfigures a node: they ask Sentinel again) and
 * unpause. Refused for a passing
 * reason, it unpauses and starts over. Bounded by `timeoutMs`; records the change in the history.
 */
export async function handOver(i: HandoverInputs): Promise<HandoverOutcome> {
  const deadline = Date.now() + i.timeoutMs;
  const log = i.log.child({ step: 'switchover' });
  let state: ReplicationState;
  try {
    state = await readReplication(i.master, { timeoutMs: 1000 });
  } catch (err) {
    return no(`the master ${formatAddress(i.announce)} does not answer (${String(err)})`);
  }
  if (state.role !== 'master') return no(`${formatAddress(i.announce)} is not a master`);
  if (state.replicas.length === 0) return no('no connected replica to promote');
  if (i.target && !state.replicas.some((r) => sameAddress(r.address, i.target))) {
    return no(`${formatAddress(i.target)} is not a connected replica of ${formatAddress(i.announce)}`);
  }
  const sentinels = (await i.dir.listSentinels().catch(() => [])).map((s) => s.address);
  if (sentinels.length === 0) return no('no sentinel registered (or ZooKeeper unavailable)');

  let exclusion: Exclusion | undefined;
  try {
    if (i.target) {
      exclusion = await excludeFromPromotion({ name: i.name, sentinels, masterReplicas: state.replicas.map((r) => r.address), keep: i.target, log });
    }
    const started = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      const waited = await untilSentinelCanFailOver(i, sentinels, deadline);
      if (!waited.ok) return no(waited.reason);
      if (waited.reason !== 'ready at once') log.info({ waitedMs: waited.waitedMs, reason: waited.reason }, 'Sentinel can fail over now');
      const outcome = await pausedHandover(i, waited.ready, deadline, started, log).catch(
        (err: unknown): HandoverOutcome => no(`the master stopped answering during the switchover (${String(err)})`),
      );
      if (outcome !== 'retry') return outcome;
      log.info({ attempt, reason: 'Sentinel refused for a passing reason' }, 'writes resumed; trying the switchover again');
    }
  } finally {
    await exclusion?.restore();
  }
}

/**
 * Waits, writes flowing, until a reachable sentinel names the master, none is failing over, and
 * one would promote the replica wanted (sentinelReadiness). Returns the sentinels to ask.
 */
async function untilSentinelCanFailOver(
  i: HandoverInputs,
  sentinels: readonly Address[],
  deadline: number,
): Promise<{ ok: true; ready: Address[]; waitedMs: number; reason: string } | { ok: false; reason: string }> {
  const since = Date.now();
  let reason = '';
  while (Date.now() < deadline) {
    const views = await askSentinels(sentinels, i.name, { withReplicas: true, timeoutMs: 1000 });
    const verdict = sentinelReadiness(views, i.announce, i.target);
    if (verdict.ready.length > 0) return { ok: true, ready: verdict.ready, waitedMs: Date.now() - since, reason: reason || 'ready at once' };
    reason = verdict.waitingFor;
    await sleep(RETRY_MS);
  }
  return { ok: false, reason: `Sentinel could not fail over within the timeout (waited for ${reason})` };
}

/** Pause, catch up, SENTINEL FAILOVER, follow the promoted node; unpauses whatever happens. */
async function pausedHandover(
  i: HandoverInputs,
  sentinels: readonly Address[],
  deadline: number,
  started: number,
  log: Logger,
): Promise<HandoverOutcome | 'retry'> {
  await withRedis(i.master, {}, (r) => r.call('CLIENT', 'PAUSE', String(Math.max(1, deadline - Date.now())), 'WRITE'));
  const pausedAt = Date.now();
  try {
    // Every write acknowledged so far must be on the replica (the target, if given) before it takes over.
    let caughtUp = false;
    while (!caughtUp && Date.now() < deadline) {
      const s = await readReplication(i.master, { timeoutMs: 1000 }).catch(() => null);
      const candidates = !s ? [] : i.target ? s.replicas.filter((r) => sameAddress(r.address, i.target)) : s.replicas;
      caughtUp = !!s && candidates.some((r) => r.offset >= s.offset);
      if (!caughtUp) await sleep(20);
    }
    if (!caughtUp) return no('no replica caught up with the master within the timeout');
    const asked = await askFailover(i, sentinels, log);
    if (asked === 'transient')
      return Date.now() + RETRY_MS < deadline ? 'retry' : no('Sentinel kept refusing the failover (in progress, or no good replica) until the timeout');
    if (typeof asked === 'string') return no(asked);
    // Sentinel promotes a replica, then would demote the old master on its next look; demoting it
    // here at once shortens the window in which clients still reach the old master.
    while (Date.now() < deadline) {
      const view = await askSentinel(asked, i.name);
      const promoted = view.reachable ? view.master : null;
      if (view.reachable && promoted && !sameAddress(promoted, i.announce)) {
        // As Sentinel does when it reconfigures a node: its clients are cut off, so they ask Sentinel
        // again (or HAProxy sends them to the new master) instead of meeting READONLY for ever.
        await withRedis(i.master, { timeoutMs: 2000 }, async (r) => {
          await r.call('REPLICAOF', promoted.host, String(promoted.port));
          await r.call('CLIENT', 'KILL', 'TYPE', 'normal');
          await r.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
        }).catch((err) => {
          // Its own wrapper may fence it in the same moment (and cut this connection): then it is done already.
          log.info(
            { err: String(err), reason: 'the old master may have been demoted by its own wrapper meanwhile' },
            'could not demote the old master; Sentinel or its wrapper will',
          );
        });
        const pausedMs = Date.now() - pausedAt;
        log.info(
          { sentinel: formatAddress(asked), master: formatAddress(promoted), ms: Date.now() - started, pausedMs, reason: i.reason },
          'switched over; the old master is now a replica',
        );
        await i.dir
          .recordChange(i.name, {
            at: Date.now(),
            from: formatAddress(i.announce),
            to: formatAddress(promoted),
            cause: 'switchover',
            epoch: view.configEpoch,
            durationMs: pausedMs,
            by: i.by,
            reason: i.reason,
          })
          .catch((err) => log.warn({ err: String(err) }, 'could not record the switchover in the history'));
        return { ok: true, promoted, epoch: view.configEpoch, pausedMs, tookMs: Date.now() - started };
      }
      await sleep(50);
    }
    return no('Sentinel did not promote a replica in time');
  } finally {
    await withRedis(i.master, {}, (r) => r.call('CLIENT', 'UNPAUSE')).catch(() => undefined);
  }
}

/** SENTINEL FAILOVER on the first sentinel that accepts; 'transient' when all refused for a passing reason, else why. */
async function askFailover(i: HandoverInputs, sentinels: readonly Address[], log: Logger): Promise<Address | 'transient' | string> {
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
  return `no sentinel accepted SENTINEL FAILOVER (${refusals.join('; ')})`;
}
