import { recordMasterChange } from '../members/record-change';
import { type Address, formatAddress, sameAddress } from '../address';
import type { Logger } from '../log';
import { withRedis } from '../redis/connect';
import { readReplication, type ReplicationState } from '../redis/replication';
import { askSentinel, askSentinels } from '../sentinel/query';
import { sleep } from '../time';
import type { Directory, HandoverHandle } from '../zk/directory';
import { takeTurn } from './turn';
import { measureOffsetGap } from '../members/offset-gap';
import { excludeFromPromotion, type Exclusion } from './priorities';
import { leaderFirst, onlyFirstAskedReady, sentinelMove, sentinelReadiness } from './readiness';
import { chooseTarget, failoverTiming } from './timing';
import { askFailover, caughtUpNow, demoteTo, gone, type Handover, pauseWrites, releaseWrites, unpauseWrites, untilPromoted } from './handover-actions';

export interface HandoverInputs {
  dir: Directory;
  name: string;
  /** Where to reach the master: its local address for its own wrapper, the announced one from elsewhere. */
  master: Address;
  /** How Sentinel and the replicas name the master. */
  announce: Address;
  timeoutMs: number;
  /**
   * Promote this replica: the others are made ineligible (replica-priority 0) until the handover
   * ends. Without one, the handover names one itself (chooseTarget) and does the same.
   */
  target?: Address | undefined;
  /** Who asks, for the history (`redis-wrapper 10.0.0.1:31001`, `redis-zk cli on host`). */
  by: string;
  /** Why, for the history and the logs. */
  reason: string;
  /**
   * The caller heard a sentinel start a failover from this master (`+try-failover`): writes are
   * paused before anything is asked, and resumed if the sentinels then show no such failover.
   */
  sentinelFailingOver?: boolean | undefined;
  /**
   * With another switchover of the set under way: wait for it to end (bounded by the timeout),
   * as a master's SIGTERM does; else (an operator's command) refuse at once (takeTurn).
   */
  waitForTurn?: boolean | undefined;
  log: Logger;
}

export type HandoverOutcome =
  | { readonly ok: true; readonly promoted: Address; readonly epoch: number; readonly pausedMs: number; readonly tookMs: number }
  /** notMaster: the node is no master (any more: Sentinel moved it already), so there was nothing to hand over; busy: another switchover of the set is under way. */
  | { readonly ok: false; readonly reason: string; readonly notMaster?: true; readonly busy?: true };

const RETRY_MS = 200;
/** How many times the handover asks a master that does not answer within a second for its replicas. */
const MASTER_READ_TRIES = 5;
/** Waiting for the right moment (timing.ts) gives up after this (Sentinel's own INFO period is 10 s; our sentinels' SENTINEL_INFO_PERIOD_MS, 1 s)... */
const ALIGN_MAX_WAIT_MS = 11000;
/** ...or when less than this is left of the timeout: then the command goes out at once. */
const ALIGN_RESERVE_MS = 3000;

/** Writes stay paused at most this long for the replica to catch up (it takes milliseconds); then they resume and it starts over. */
const CATCH_UP_MAX_MS = 2000;
/** How long a handover waits for a second ready sentinel when only the one clients ask first is ready (a bit over our sentinels' 1 s INFO period). */
const SECOND_LEADER_WAIT_MS = 1500;

/** With less than this left, a replica the handover chose itself gives way to Sentinel's choice (an unaligned switchover takes ~1.5 s). */
const FALLBACK_RESERVE_MS = 3000;

/** Why a paused attempt gave way to a new one (writes resumed): logged. */
type Retry = string;

const no = (reason: string): HandoverOutcome => ({ ok: false, reason });
const notMaster = (handover: Pick<Handover, 'announce'>) =>
  ({ ok: false, reason: `${formatAddress(handover.announce)} is not a master`, notMaster: true }) as const;
/** A wait's failure as the handover's outcome, keeping whether the node was no master. */
const failed = (w: { reason: string; notMaster?: true }): HandoverOutcome => (w.notMaster ? { ok: false, reason: w.reason, notMaster: true } : no(w.reason));

/**
 * A planned switchover without losing acknowledged writes and with a short write outage; the one
 * procedure behind a master's SIGTERM (redis-wrapper) and `redis-zk switchover` (the CLI).
 * It names the replica to promote (the one given, else chooseTarget) and makes the others
 * ineligible. Then, writes still flowing, it waits until Sentinel could fail over to it (a
 * sentinel takes this node for the master, none is failing over, it knows the target with its link
 * up and the others at priority 0): handing over before that (right after a previous failover, or
 * before Sentinel has learnt a new replica) would leave the set without a master. It waits for the
 * moment Sentinel will notice the promotion soonest (timing.ts: ~300 ms instead of ~1 s), pauses
 * writes (CLIENT PAUSE WRITE), lets the replica catch up, asks Sentinel to fail over (SENTINEL
 * FAILOVER) and, once that sentinel answers GET-MASTER-ADDR-BY-NAME with the new master, makes the
 * old master its replica, cuts its clients off (as Sentinel does when it reconfigures a node: they
 * ask Sentinel again) and unpauses. Refused for a passing reason, a missed moment or a replica
 * slow to catch up, it unpauses and starts over. Bounded by `timeoutMs`; records the change in the
 * history.
 */
export async function handOver(handover: HandoverInputs): Promise<HandoverOutcome> {
  const deadline = Date.now() + handover.timeoutMs;
  const log = handover.log.child({ step: 'switchover' });
  // Sentinel may be failing over from this node already (down-after, an operator's SENTINEL
  // FAILOVER): it promotes a replica within ~0.2 s, and every write this master takes meanwhile
  // can be lost. So writes are paused first when the caller heard of it, that is asked before
  // anything else, and the handover starts only if that failover ends with this node the master.
  const early: Handover = { ...handover, target: undefined, deadline, alignUntil: 0, log };
  if (handover.sentinelFailingOver) await pauseWrites(early).catch(() => undefined);
  const sentinels = (await handover.dir.listSentinels().catch(() => [])).map((s) => s.address);
  const move = sentinels.length > 0 ? sentinelMove(await askSentinels(sentinels, handover.name, { timeoutMs: 1000 }), handover.announce) : null;
  if (move?.kind === 'pause' || (move?.kind === 'follow' && handover.sentinelFailingOver)) {
    const followed = await untilSentinelCanFailOver(early, sentinels, deadline, true);
    if (!followed.ok) return failed(followed);
  } else if (handover.sentinelFailingOver) {
    await unpauseWrites(early);
    log.info({ reason: 'the sentinels show no failover from this master any more' }, 'writes resumed');
  }
  if (sentinels.length === 0) return no('no sentinel registered (or ZooKeeper unavailable)');
  const turn = await takeTurn(handover.dir, handover.name, { by: handover.by, wait: handover.waitForTurn ?? false, deadline, log });
  if (!turn.ok) return { ok: false, reason: turn.reason, busy: true };
  try {
    return await inTurn(handover, sentinels, deadline, log, turn.claim);
  } finally {
    await turn.claim.close();
  }
}

/** The switchover proper, its turn taken: `turnClaim` records the replicas it makes ineligible. */
async function inTurn(handover: HandoverInputs, sentinels: Address[], deadline: number, log: Logger, turnClaim: HandoverHandle): Promise<HandoverOutcome> {
  // A master slow to answer (a loaded machine: redis-server runs niced below its wrapper) is asked
  // again for a while; one that is gone is not.
  let state: ReplicationState | undefined;
  for (let tries = 1; !state; tries += 1) {
    try {
      state = await readReplication(handover.master, { timeoutMs: 1000 });
    } catch (err) {
      if (gone(err) || tries >= MASTER_READ_TRIES || Date.now() + 1000 > deadline)
        return no(`the master ${formatAddress(handover.announce)} does not answer (${String(err)}; asked ${tries} times)`);
    }
  }
  if (state.role !== 'master') return notMaster(handover);
  if (state.replicas.length === 0) return no('no connected replica to promote');
  if (handover.target && !state.replicas.some((r) => sameAddress(r.address, handover.target))) {
    return no(`${formatAddress(handover.target)} is not a connected replica of ${formatAddress(handover.announce)}`);
  }

  // Naming the replica keeps Sentinel from picking one that has not caught up and lets the command be timed on it.
  const target =
    handover.target ??
    chooseTarget(state.replicas, await askSentinels(sentinels, handover.name, { withReplicas: true, timeoutMs: 1000 }), handover.announce) ??
    undefined;
  if (target && !handover.target)
    log.info({ target: formatAddress(target), reason: 'furthest along of the replicas Sentinel may promote' }, 'replica to promote');
  const h: Handover = { ...handover, target, deadline, alignUntil: 0, log };
  // A replica it chose itself gives way to Sentinel's choice when Sentinel is not ready for it in time.
  const fallbackAt = !handover.target && target ? deadline - FALLBACK_RESERVE_MS : deadline;

  let exclusion: Exclusion | undefined;
  // The replicas made ineligible are in the turn's claim, in ZooKeeper for as long as this process's
  // session: their node loops give their priority back if it dies.
  const giveBack = async () => {
    if (!exclusion) return;
    await exclusion.restore();
    exclusion = undefined;
    await turnClaim.update({ by: handover.by, at: Date.now(), excluded: [] }).catch(() => undefined);
  };
  try {
    if (target) {
      try {
        exclusion = await excludeFromPromotion({
          name: handover.name,
          sentinels,
          masterReplicas: state.replicas.map((r) => r.address),
          keep: target,
          log,
          record: (excluded) => turnClaim.update({ by: handover.by, at: Date.now(), excluded }),
        });
      } catch (err) {
        return no(`could not record the switchover in ZooKeeper before changing any priority (${String(err)})`);
      }
    }
    const started = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      let waited = await untilSentinelCanFailOver(h, sentinels, h.target ? fallbackAt : deadline);
      if (!waited.ok && waited.timedOut && h.target && !handover.target) {
        log.info(
          { target: formatAddress(h.target), reason: `Sentinel was not ready for it in time (${waited.reason})` },
          "falling back to Sentinel's own choice of replica (every replica catches up before it promotes one)",
        );
        await giveBack();
        h.target = undefined;
        waited = await untilSentinelCanFailOver(h, sentinels, deadline);
      }
      if (!waited.ok) return failed(waited);
      if (waited.reason !== 'ready at once') log.info({ waitedMs: waited.waitedMs, reason: waited.reason }, 'Sentinel can fail over now');
      // A new window for each attempt: one that missed its moment waits for Sentinel's next INFO of the target (its INFO period).
      h.alignUntil = Math.min(deadline - ALIGN_RESERVE_MS, Date.now() + ALIGN_MAX_WAIT_MS);
      const outcome = await pausedHandover(h, await onTime(h, waited.ready), started).catch(
        (err: unknown): HandoverOutcome => no(`the master stopped answering during the switchover (${String(err)})`),
      );
      if (typeof outcome !== 'string') return outcome;
      log.info({ attempt, reason: outcome }, 'writes resumed; trying the switchover again');
    }
  } finally {
    await giveBack();
  }
}

/**
 * Waits, writes flowing, until a reachable sentinel names the master, none is failing over, and
 * one would promote the replica wanted (sentinelReadiness); when only the sentinel clients ask
 * first would, up to SECOND_LEADER_WAIT_MS more for another (onlyFirstAskedReady). Returns the
 * sentinels to ask. While Sentinel fails over on its own, writes are paused (`pauseAtOnce`: from the start, before asking).
 */
async function untilSentinelCanFailOver(
  handover: Handover,
  sentinels: readonly Address[],
  until: number,
  pauseAtOnce = false,
): Promise<{ ok: true; ready: Address[]; waitedMs: number; reason: string } | { ok: false; reason: string; timedOut?: boolean; notMaster?: true }> {
  const since = Date.now();
  let reason = '';
  let paused = false;
  let firstOnlySince: number | undefined;
  try {
    // A pause that fails (the master died meanwhile) is not fatal: the role check below ends the wait.
    const pause = async (reason: string) => {
      paused = await pauseWrites(handover).then(
        () => true,
        () => false,
      );
      if (paused) handover.log.info({ reason }, 'writes paused until Sentinel names a master');
    };
    if (pauseAtOnce) await pause('Sentinel is failing over on its own: writes taken here now could be lost');
    while (Date.now() < until) {
      const views = await askSentinels(sentinels, handover.name, { withReplicas: true, withTilt: true, timeoutMs: 1000 });
      // Sentinel failing over on its own (down-after, an operator's SENTINEL FAILOVER): hold writes, then follow.
      const move = sentinelMove(views, handover.announce);
      // Only to a node that answers as master: sentinels that still name a dead former master are no reason to step down.
      const live = move.kind === 'follow' && (await readReplication(move.to, { timeoutMs: 1000 }).catch(() => null))?.role === 'master';
      if (move.kind === 'follow' && live) {
        handover.log.info({ master: formatAddress(move.to), reason: move.reason }, 'Sentinel failed over on its own: following the new master');
        await demoteTo(handover, move.to);
        return notMaster(handover);
      }
      if (move.kind === 'pause' && !paused) await pause(move.reason);
      const verdict = sentinelReadiness(views, handover.announce, handover.target);
      // Led by the sentinel clients ask first, redis-py would read the old master until the failover
      // ends; worth a short wait while writes flow, not while they are paused.
      const firstOnly = !paused && onlyFirstAskedReady(views, verdict.ready);
      if (firstOnly) firstOnlySince ??= Date.now();
      const waitForSecond = firstOnly && Date.now() - (firstOnlySince ?? 0) < SECOND_LEADER_WAIT_MS;
      if (verdict.ready.length > 0 && !waitForSecond)
        return { ok: true, ready: verdict.ready, waitedMs: Date.now() - since, reason: reason || 'ready at once' };
      reason = firstOnly ? 'a sentinel besides the one clients ask first to be ready' : verdict.waitingFor;
      // Demoted meanwhile (by Sentinel or its own wrapper): nothing left to hand over, and waiting on would only delay the stop.
      const role = await readReplication(handover.master, { timeoutMs: 1000 }).catch((err: unknown) => (gone(err) ? 'gone' : null));
      if (role === 'gone') return { ok: false, reason: 'the master stopped answering (its redis-server is gone)' };
      if (role && role.role !== 'master') {
        handover.log.info({ reason: `demoted while waiting for ${reason}` }, 'no switchover needed: Sentinel moved the master already');
        return notMaster(handover);
      }
      await sleep(paused ? 20 : RETRY_MS);
    }
    return { ok: false, reason: `Sentinel could not fail over within the timeout (waited for ${reason})`, timedOut: true };
  } finally {
    if (paused) await releaseWrites(handover, sentinels);
  }
}

/** How long ago `sentinel` last read the target's INFO (null: unknown, or no target). */
async function targetInfoAge(handover: Handover, sentinel: Address): Promise<number | null> {
  if (!handover.target) return null;
  const view = await askSentinel(sentinel, handover.name, { withReplicas: true, timeoutMs: 1000 });
  const r = view.reachable ? (view.replicas ?? []).find((x) => sameAddress(x.address, handover.target)) : undefined;
  return r?.infoAgeMs ?? null;
}

/**
 * Writes still flowing, waits (until `alignUntil`) for the moment to send SENTINEL FAILOVER to the
 * ready sentinel clients ask last (leaderFirst, failoverTiming). Returns the sentinels to ask, that one first.
 */
async function onTime(handover: Handover, ready: readonly Address[]): Promise<Address[]> {
  const order = leaderFirst(ready);
  const leader = order[0]!;
  while (Date.now() < handover.alignUntil) {
    // A master that died meanwhile: no moment to wait for (the attempt that follows fails at once).
    if (await withRedis(handover.master, {}, (r) => r.ping()).then(() => false, gone)) break;
    const timing = failoverTiming(await targetInfoAge(handover, leader));
    if (timing.kind === 'now') break;
    // After its next INFO the age starts again from 0 and stays below 620 ms for 620 ms: polling every 200 ms catches it.
    await sleep(timing.kind === 'wait' ? Math.min(timing.ms, Math.max(0, handover.alignUntil - Date.now())) : 200);
  }
  return order;
}

/** Pause, catch up, SENTINEL FAILOVER (on time), follow the promoted node; unpauses whatever happens. */
async function pausedHandover(handover: Handover, sentinels: readonly Address[], started: number): Promise<HandoverOutcome | Retry> {
  const { deadline, log } = handover;
  await pauseWrites(handover);
  const pausedAt = Date.now();
  let handedOver = false;
  try {
    // Every write acknowledged so far must be on the replica (the target, if given) before it takes over.
    // Bounded apart from the timeout: a replica that died meanwhile must not keep writes paused for it.
    const catchUpUntil = Math.min(deadline, pausedAt + CATCH_UP_MAX_MS);
    // The master's offset once the replica has it (writes paused: its last offset), for the history's gap.
    let caughtUp: number | null = null;
    while (caughtUp === null && Date.now() < catchUpUntil) {
      caughtUp = await caughtUpNow(handover);
      if (caughtUp === null) await sleep(2);
    }
    if (caughtUp === null) {
      return Date.now() + RETRY_MS < deadline
        ? `the replica did not catch up within ${CATCH_UP_MAX_MS} ms`
        : no('no replica caught up with the master within the timeout');
    }
    const caughtUpMs = Date.now() - pausedAt;
    // Catching up took time: still on time? Else resume writes and wait for the next moment.
    const infoAgeMs = await targetInfoAge(handover, sentinels[0]!).catch(() => null);
    const timing = failoverTiming(infoAgeMs);
    if (timing.kind !== 'now' && Date.now() < handover.alignUntil) return `missed the moment to ask Sentinel (${timing.reason})`;
    const askedAt = Date.now();
    const asked = await askFailover(handover, sentinels, log);
    if (asked === 'transient')
      return Date.now() + RETRY_MS < deadline
        ? 'Sentinel refused for a passing reason'
        : no('Sentinel kept refusing the failover (in progress, or no good replica) until the timeout');
    if (typeof asked === 'string') return no(asked);
    // Sentinel's clients see the new master as soon as the leader answers GET-MASTER-ADDR-BY-NAME
    // with it (from +promoted-slave on); SENTINEL MASTER names it only at the end of the failover,
    // once every other replica is reconfigured (~1 s later). Sentinel would demote the old master on
    // its next look; demoting it here at once shortens the window in which clients still reach it.
    const promoted = await untilPromoted(handover, asked);
    if (promoted) {
      const promotedAt = Date.now();
      await demoteTo(handover, promoted);
      const pausedMs = Date.now() - pausedAt;
      const [view, gap] = await Promise.all([askSentinel(asked, handover.name), measureOffsetGap({ promoted, from: handover.announce, lastOffset: caughtUp })]);
      const epoch = view.reachable ? view.configEpoch : 0;
      log.info(
        {
          sentinel: formatAddress(asked),
          master: formatAddress(promoted),
          ms: Date.now() - started,
          pausedMs,
          caughtUpMs,
          infoAgeMs,
          askedAfterMs: askedAt - pausedAt,
          promotedAfterMs: promotedAt - askedAt,
          reason: handover.reason,
        },
        'switched over; the old master is now a replica',
      );
      const change = { from: handover.announce, to: promoted, cause: 'switchover' as const, epoch, durationMs: pausedMs, outageBasis: 'write-pause' as const };
      await recordMasterChange(handover.dir, handover.name, { ...change, ...gap, by: handover.by, reason: handover.reason }, log);
      handedOver = true;
      return { ok: true, promoted, epoch, pausedMs, tookMs: Date.now() - started };
    }
    return no('Sentinel did not promote a replica in time');
  } finally {
    await (handedOver ? unpauseWrites(handover) : releaseWrites(handover, sentinels));
  }
}
