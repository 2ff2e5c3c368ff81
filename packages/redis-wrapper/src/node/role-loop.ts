import { performance } from 'node:perf_hooks';
import {
  replicate,
  type Address,
  type Directory,
  formatAddress,
  type Logger,
  type NodeTags,
  type RedisPool,
  type ReplicaSelected,
  type ReplicationState,
  sameAddress,
  recordMasterChange,
  sentinelReach,
  recordedBy,
} from '@redis-zk/core';
import { decideFollowSelected } from './follow-selected';
import { decideRole, namedMasterKnown, type RoleAction, type RoleView } from './role-decide';
import { gatherView, type ZkFacts } from './role-view';
import { recover } from './recovery';
import { PriorityKeeper } from './priority-keeper';
import type { NodeCounters } from './counters';
import { MemberPublisher } from './member-publisher';
import { WritePause } from './write-pause';
import { probeTimeoutFor } from './tick-timing';

export interface LoopInputs {
  dir: Directory;
  name: string;
  /** This node as announced, and where its redis-server listens. */
  self: Address;
  local: Address;
  dataId: string;
  /** NEVER_PROMOTE, FAILOVER_PRIORITY: published in the member record, held by the priority keeper, used by the recovery. */
  tags: NodeTags;
  /** The node came back with its data directory wiped (wipedFrom): the empty guard holds its replica-priority at 0 until its first sync. */
  wiped: boolean;
  /** RPO guard of the recovery (FAILOVER_MAX_LAG_BYTES; 0: none). */
  maxLagBytes: number;
  /** Where the node API answers (published in the member record, for proxies' configs). */
  api?: Address | undefined;
  /** The Mesos task and agent running this node (published in the member record, for operators). */
  task?: { id?: string | undefined; agent?: string | undefined } | undefined;
  pool: RedisPool;
  log: Logger;
  counters: NodeCounters;
  intervalMs: number;
  /** Used until a sentinel tells its failover-timeout: the set is stuck after twice that. */
  failoverTimeoutMs: number;
  /** Told every view the loop takes (e.g. to follow the registered sentinels' events). */
  onView?: (view: TakenView) => void;
}

/** A view with when it was taken (monotonic clock: a frozen process finds its view old on resume). */
export interface TakenView extends RoleView {
  readonly takenAt: number;
  /**
   * When redis-server did not answer this tick's INFO in time (a slow command, a big save): its
   * last answer and how old it is, at most the sentinels' down-after-milliseconds. The node API
   * keeps answering from it, as Sentinel keeps a slow master for up, so a proxy does not cut a
   * master's clients off over a stall Sentinel tolerates.
   */
  readonly slowLocal?: { readonly state: ReplicationState; readonly agoMs: number };
}

/** The sentinels' down-after-milliseconds until one tells its own. */
const DEFAULT_DOWN_AFTER_MS = 5000;

/**
 * The node loop: every tick, read the set (local server, ZooKeeper, sentinels), decide
 * (`decideRole`), apply, and publish this node's member record. It runs from the end of start-up
 * until the stop begins; the HTTP API answers from its last view.
 */
export class NodeLoop {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking = false;
  /** The tick under way, if any (stop() waits for it). */
  private inFlight: Promise<void> | undefined;
  private again = false;
  private zk: ZkFacts = { registered: null, sentinels: [], paused: null, current: false };
  private lastMasterAt = performance.now();
  private lastReason = '';
  private latest: TakenView | undefined;
  private lastLocal: { state: ReplicationState; at: number } | undefined;
  /** When (monotonic) a sentinel last reported starting a failover from this node. */
  private failoverFromHereAt = Number.NEGATIVE_INFINITY;
  /** The sentinel that reported it. */
  private failoverFromHereBy: Address | undefined;
  /** When (monotonic) the next tick is due: a tick that starts far later was held up by a stopped process. */
  private dueAt = performance.now();
  /** Until when (monotonic) the loop looks four times a tick after a late wake-up or a heal. */
  private soonUntil = 0;
  /** Whether the last tick found a majority of the sentinels out of reach. */
  private wasCutOff = false;
  /** The role of the local server at the last tick that reached it. */
  lastRole: 'master' | 'replica' | undefined;
  private readonly priorities: PriorityKeeper;
  private readonly members: MemberPublisher;
  private readonly writePause: WritePause;

  constructor(private readonly inputs: LoopInputs) {
    this.priorities = new PriorityKeeper(inputs, inputs.wiped);
    this.members = new MemberPublisher(inputs);
    this.writePause = new WritePause(inputs);
  }

  get view(): TakenView | undefined {
    return this.latest;
  }

  start(): void {
    this.running = true;
    this.dueAt = performance.now();
    void this.loop();
  }

  /**
   * Stops the loop, and waits for a tick in flight to end (bounded by the longest a tick's reads
   * take): a handover that starts after it never races a tick still applying an action.
   */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (!this.inFlight) return;
    const boundMs = this.inputs.intervalMs + 2 * probeTimeoutFor(this.inputs.intervalMs);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.inFlight, new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)))]);
    clearTimeout(timer);
  }

  /**
   * Looks at the set now rather than at the next tick (Sentinel reported a failover, ZooKeeper
   * names another master): the node API's answers follow a failover within moments, not a tick.
   */
  poke(reason: string): void {
    if (!this.running) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.inputs.log.debug({ reason }, 'node loop: looking at the set now');
    this.dueAt = performance.now();
    void this.loop();
  }

  /**
   * A sentinel reported starting a failover from `master` (`+try-failover`). When that is this
   * node and it is a master, its writes are paused at once rather than at the end of a tick:
   * Sentinel promotes a replica ~0.2 s later, and a tick (local INFO, ZooKeeper, the sentinels)
   * can take longer on a loaded host. The tick that follows renews the pause or lifts it
   * (failingOverFrom in role-decide.ts). A stopped loop (a stopping master handing over) pauses
   * too: unrenewed, the pause expires by itself, and the handover holds its own. Not while the set
   * is paused (maintenance mode: no automatic action; only an asked-for failover runs then).
   */
  failoverStarted(master: Address, via: Address): void {
    if (sameAddress(master, this.inputs.self)) {
      this.failoverFromHereAt = performance.now();
      this.failoverFromHereBy = via;
      if (this.lastRole === 'master' && !this.zk.paused) void this.writePause.renew('a sentinel reported starting a failover from this master (+try-failover)');
    }
    this.poke('Sentinel started a failover');
  }

  /**
   * A failover's leader chose the replica it promotes (`+selected-slave`): a replica of the master
   * it leaves follows the chosen one at once (follow-selected.ts), then the loop looks at the set.
   */
  async failoverSelected(selected: ReplicaSelected): Promise<void> {
    if (!this.running) return;
    const action = decideFollowSelected({
      self: this.inputs.self,
      selected,
      role: this.lastRole,
      following: this.latest?.local?.following,
      paused: !!this.zk.paused,
    });
    if (action.kind === 'follow') {
      await this.apply(action).catch((err: unknown) =>
        this.inputs.log.warn({ err: String(err), reason: action.reason }, 'could not follow the chosen replica; next tick'),
      );
    } else {
      this.inputs.log.debug({ reason: action.reason, chosen: formatAddress(selected.replica) }, 'Sentinel chose a replica; this node stays');
    }
    this.poke('Sentinel chose a replica to promote');
  }

  /** Whether a sentinel reported starting a failover from this node within the last `ms` (a stopping master's handover pauses first then). */
  failoverFromHereWithin(ms: number): boolean {
    return performance.now() - this.failoverFromHereAt <= ms;
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    this.ticking = true;
    const began = performance.now();
    // Woken far later than planned: the process was stopped (SIGSTOP, a stalled host), and the set
    // may have moved meanwhile while its connections are still coming back (a probe of the new
    // master fails at once until its pooled client has reconnected): look often for two ticks.
    const late = began - this.dueAt > this.inputs.intervalMs;
    if (late) this.soonUntil = began + 2 * this.inputs.intervalMs;
    this.inFlight = this.tick().then(
      () => undefined,
      (err) => this.inputs.log.warn({ err: String(err) }, 'node loop tick failed'),
    );
    await this.inFlight;
    this.inFlight = undefined;
    this.ticking = false;
    if (!this.running) return;
    // A tick longer than any tick's reads can take was most likely frozen and decided on answers
    // from before: look again at once. After a late wake-up, and while this loop holds a write
    // pause, look again a quarter tick later, so a resumed or healed master is fenced or lifted soon.
    const took = performance.now() - began;
    const frozen = took > this.inputs.intervalMs + 2 * probeTimeoutFor(this.inputs.intervalMs);
    if (frozen || late) {
      this.inputs.log.info(
        { tookMs: Math.round(took), lateMs: Math.round(began - this.dueAt), reason: 'this process was stopped (frozen?)' },
        'node loop: looking again soon',
      );
    }
    const soon = this.soonUntil > performance.now() || this.writePause.holding;
    const next = this.again || frozen ? 0 : soon ? Math.round(this.inputs.intervalMs / 4) : this.inputs.intervalMs;
    this.again = false;
    this.dueAt = performance.now() + next;
    this.timer = setTimeout(() => void this.loop(), next);
  }

  /** One cycle: gather, decide, apply, publish. */
  async tick(): Promise<RoleAction> {
    const began = performance.now();
    const g = await gatherView({ ...this.inputs, probeTimeoutMs: probeTimeoutFor(this.inputs.intervalMs) }, this.zk);
    this.zk = g.zk;
    // The sentinels answer again but ZooKeeper does not (a healed partition): connect again now, not
    // when TCP retries a connect sent while cut off. The fence after a heal waits for ZooKeeper.
    const cutOff = sentinelReach(g.sentinels).majorityLost;
    if (!g.zk.current && !cutOff) this.inputs.dir.zk.reconnectNow('a majority of the sentinels answers again');
    // Reach back after a cut (a healed partition): look often for two ticks, as after a late wake-up,
    // so a stale master is fenced as soon as ZooKeeper and its probes of the new master come back.
    if (this.wasCutOff && !cutOff) this.soonUntil = performance.now() + 2 * this.inputs.intervalMs;
    this.wasCutOff = cutOff;
    const now = performance.now();
    const masterKnown = namedMasterKnown({ self: this.inputs.self, local: g.local, registered: g.zk.registered, sentinels: g.sentinels, probes: g.probes });
    // Paused (maintenance mode): the set may stay masterless on purpose; after the resume Sentinel
    // gets its whole time again before a recovery would take over.
    if (masterKnown || !g.local || g.zk.paused) this.lastMasterAt = now;
    const timeouts = g.sentinels.map((s) => (s.reachable ? s.failoverTimeoutMs : 0)).filter((t) => t > 0);
    const failoverTimeoutMs = timeouts.length > 0 ? Math.max(...timeouts) : this.inputs.failoverTimeoutMs;
    if (g.local) this.lastLocal = { state: g.local, at: now };
    const downAfter = Math.max(0, ...g.sentinels.map((s) => (s.reachable ? (s.downAfterMs ?? 0) : 0))) || DEFAULT_DOWN_AFTER_MS;
    const slowFor = this.lastLocal ? now - this.lastLocal.at : Number.POSITIVE_INFINITY;
    const view: TakenView = {
      self: this.inputs.self,
      local: g.local,
      registered: g.zk.registered,
      zkCurrent: g.zk.current,
      paused: g.zk.paused,
      sentinels: g.sentinels,
      probes: g.probes,
      masterlessForMs: Math.round(now - this.lastMasterAt),
      stuckAfterMs: 2 * failoverTimeoutMs,
      // A failover from here reported within a failover-timeout: it may still be running.
      ...(this.failoverFromHereBy && now - this.failoverFromHereAt <= failoverTimeoutMs
        ? { failoverReported: { sentinel: this.failoverFromHereBy, agoMs: Math.round(now - this.failoverFromHereAt) } }
        : {}),
      // When gathering began, not ended: a process frozen mid-gather (SIGSTOP, a stalled VM) resumes
      // with answers from before the freeze, and its node API must find them old (a loaded run's
      // HAProxy passed a resumed stale master's /primary for ~500 ms, until the next tick fenced it).
      takenAt: began,
      ...(!g.local && this.lastLocal && slowFor <= downAfter ? { slowLocal: { state: this.lastLocal.state, agoMs: Math.round(slowFor) } } : {}),
    };
    this.latest = view;
    this.inputs.onView?.(view);
    if (g.local) this.lastRole = g.local.role;
    const action = decideRole(view);
    if (!this.running) return action;
    if (action.kind === 'pause') {
      await this.writePause.renew(action.reason);
    } else {
      await this.apply(action);
      // After a fence: the writes held back meet a replica (their clients were cut off), never the stale master.
      await this.writePause.lift(action.reason, began, this.running);
    }
    await this.members.publish(view);
    await this.priorities.check(g.local).catch((err: unknown) => this.inputs.log.warn({ err: String(err) }, 'could not give replica-priority back'));
    return action;
  }

  private async apply(action: Exclude<RoleAction, { kind: 'pause' }>): Promise<void> {
    const { log } = this.inputs;
    if (action.kind === 'none') {
      if (action.reason !== this.lastReason) log.debug({ reason: action.reason }, 'role unchanged');
      this.lastReason = action.reason;
      return;
    }
    this.lastReason = '';
    if (action.kind === 'recover') {
      this.inputs.counters.recoveryAttempts += 1;
      const promoted = await recover(this.inputs, action.reason, this.latest?.masterlessForMs).catch((err) => {
        log.warn({ err: String(err), reason: action.reason }, 'recovery attempt failed; will retry');
        return false;
      });
      if (promoted) {
        this.inputs.counters.recoveries += 1;
        this.lastMasterAt = performance.now();
      }
      return;
    }
    const m = action.master;
    await replicate(this.inputs.local, m, { pool: this.inputs.pool });
    if (action.kind === 'fence') {
      this.inputs.counters.fences += 1;
      log.warn({ action: 'fence', master: formatAddress(m), reason: action.reason }, 'demoted this stale master to a replica');
      const by = recordedBy('redis-wrapper', this.inputs.self);
      await recordMasterChange(this.inputs.dir, this.inputs.name, { from: this.inputs.self, to: m, cause: 'fence', epoch: -1, by, reason: action.reason }, log);
    } else {
      this.inputs.counters.repoints += 1;
      log.info({ action: 'follow', master: formatAddress(m), reason: action.reason }, "re-pointed this replica to the set's master");
    }
  }
}
