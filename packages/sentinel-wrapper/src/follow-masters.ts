import {
  type Address,
  Coalesced,
  type Directory,
  formatAddress,
  type Logger,
  PAUSED_QUORUM,
  parseSentinelMaster,
  type RedisPool,
  withSentinel,
} from '@redis-zk/core';
import { planSet, type SetAction } from './plan';
import { planQuorum } from './plan-quorum';
import { type MonitorSettings, settingsArgs } from './sentinel-config';
import { snapshotSet } from './set-snapshot';

export interface FollowerDeps {
  dir: Directory;
  /** This sentinel as announced (to tell itself apart from the others). */
  self: Address;
  /** Where to reach the local Sentinel. */
  local: Address;
  settings: MonitorSettings;
  wanted: (name: string) => boolean;
  log: Logger;
  /** Safety net for lost watches: reconcile at least this often. */
  intervalMs?: number;
  /** Long-lived connections, one per server: every set is asked about every few seconds. */
  pool?: RedisPool;
}

/**
 * Keeps the local Sentinel monitoring every set ZooKeeper names: adds sets registered after
 * start, and re-points a set whose monitored master is dead to the live master ZooKeeper names.
 * Driven by ZooKeeper watches (masters/ children and data), reconnects, and a periodic check.
 */
export class MasterFollower {
  private timer: NodeJS.Timeout | undefined;
  private readonly runs = new Coalesced((reason) => this.reconcile(reason));
  private readonly onChange = () => this.trigger('ZooKeeper changed');
  private readonly onReconnect = () => this.trigger('ZooKeeper reconnected');
  private unsubscribe = () => {};

  constructor(private readonly d: FollowerDeps) {}

  start(): void {
    this.unsubscribe = this.d.dir.onReconnected(this.onReconnect);
    this.timer = setInterval(() => this.trigger('periodic check'), this.d.intervalMs ?? 5000);
    this.trigger('start');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe();
  }

  trigger(reason: string): void {
    this.runs.trigger(reason);
  }

  private async reconcile(reason: string): Promise<void> {
    const { dir, log } = this.d;
    try {
      const names = (await dir.listMasterNames(this.onChange)).filter(this.d.wanted);
      await Promise.all(
        names.map(async (name) => {
          await dir.masterExists(name, this.onChange);
          const paused = await dir.readPause(name, this.onChange).then(
            (p) => p !== null,
            () => null,
          );
          const action = planSet(await snapshotSet(dir, name, this.d.self, this.d.local, this.d.pool));
          if (action.kind !== 'keep') await this.apply(name, action, reason, paused === true);
          else log.debug({ set: name, reason: action.reason }, 'monitoring unchanged');
          await this.keepQuorum(name, paused, reason);
        }),
      );
    } catch (err) {
      log.warn({ err: String(err), trigger: reason }, 'could not check monitored masters; will retry');
    }
  }

  /**
   * Holds a paused set's quorum at PAUSED_QUORUM and gives SENTINEL_QUORUM back once it is resumed
   * (planQuorum); the pause node is watched, so this follows `redis-zk pause`/`resume` at once.
   */
  private async keepQuorum(name: string, paused: boolean | null, trigger: string): Promise<void> {
    const current = await withSentinel(
      this.d.local,
      { timeoutMs: 2000, pool: this.d.pool },
      async (r) => parseSentinelMaster(await r.call('SENTINEL', 'MASTER', name)).quorum,
    ).catch(() => null);
    const action = planQuorum(paused, current, this.d.settings.quorum);
    if (action.kind === 'keep') return;
    await withSentinel(this.d.local, { timeoutMs: 2000, pool: this.d.pool }, (r) => r.call('SENTINEL', 'SET', name, 'quorum', String(action.quorum)));
    this.d.log.warn({ set: name, action: 'quorum', quorum: action.quorum, reason: action.reason, trigger }, 'set the Sentinel quorum');
  }

  private async apply(name: string, action: Exclude<SetAction, { kind: 'keep' }>, trigger: string, paused: boolean): Promise<void> {
    const to = action.kind === 'monitor' ? action.address : action.to;
    const quorum = paused ? PAUSED_QUORUM : this.d.settings.quorum;
    await withSentinel(this.d.local, { timeoutMs: 2000 }, async (r) => {
      if (action.kind === 'repoint') await r.call('SENTINEL', 'REMOVE', name);
      await r.call('SENTINEL', 'MONITOR', name, to.host, String(to.port), String(quorum));
      await r.call('SENTINEL', 'SET', name, ...settingsArgs(this.d.settings));
    });
    this.d.log.info(
      { set: name, action: action.kind, master: formatAddress(to), reason: action.reason, trigger },
      action.kind === 'monitor' ? 'monitoring new set' : "re-pointed Sentinel to ZooKeeper's master",
    );
  }
}
