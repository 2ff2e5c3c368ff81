import { type Address, Coalesced, type Directory, formatAddress, type Logger, withSentinel } from '@redis-zk/core';
import { planSet, type SetAction } from './plan';
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
          const action = planSet(await snapshotSet(dir, name, this.d.self, this.d.local, this.d.settings.password));
          if (action.kind !== 'keep') await this.apply(name, action, reason);
          else log.debug({ set: name, reason: action.reason }, 'monitoring unchanged');
        }),
      );
    } catch (err) {
      log.warn({ err: String(err), trigger: reason }, 'could not check monitored masters; will retry');
    }
  }

  private async apply(name: string, action: Exclude<SetAction, { kind: 'keep' }>, trigger: string): Promise<void> {
    const to = action.kind === 'monitor' ? action.address : action.to;
    await withSentinel(this.d.local, { timeoutMs: 2000 }, async (r) => {
      if (action.kind === 'repoint') await r.call('SENTINEL', 'REMOVE', name);
      await r.call('SENTINEL', 'MONITOR', name, to.host, String(to.port), String(this.d.settings.quorum));
      await r.call('SENTINEL', 'SET', name, ...settingsArgs(this.d.settings));
    });
    this.d.log.info(
      { set: name, action: action.kind, master: formatAddress(to), reason: action.reason, trigger },
      action.kind === 'monitor' ? 'monitoring new set' : "re-pointed Sentinel to ZooKeeper's master",
    );
  }
}
