import { type Address, formatAddress, type Logger, type OffsetGap, type SentinelView, type SwitchEvent, historyEvent } from '@redis-zk/core';
import type { Metrics } from '../metrics';
import { checkEvent, decideOnSwitch, type EventCheck, type HandledFailover, repeatsHandled } from './decide-write';
import type { FailoverClock } from './failover-clock';
import type { HistoryRecorder } from './history-recorder';
import type { MasterWriter, WriteOutcome } from './master-writer';

export interface SwitchFollowerDeps {
  writer: MasterWriter;
  history: HistoryRecorder;
  clock: FailoverClock;
  metrics: Metrics;
  log: Logger;
  /** The registered sentinels. */
  sentinels: () => readonly Address[];
  /** One sentinel's view of a set (bounded in time). */
  ask: (sentinel: Address, name: string) => Promise<SentinelView>;
  /** The change's offsets (old master's last known, promoted's at promotion), bounded, best effort. */
  measure: (name: string, from: Address | null, to: Address) => Promise<OffsetGap>;
  /** Who records the history entries, e.g. `watcher host:port`. */
  by: string;
  /** An event no sentinel could confirm: a reconcile decides instead. */
  unconfirmed: (reason: string) => void;
}

/**
 * Puts the failovers Sentinel reports into ZooKeeper and the history, in the order they arrive
 * per set, each only while it is still the news (checkEvent): its epoch is that of the
 * configuration naming its new master, asked of the reporting sentinel (all of them when it does
 * not answer), never ZooKeeper's or the current one. The same failover arrives from every
 * sentinel: a repeat is known by its epoch (repeatsHandled). A failover seen while ZooKeeper is
 * away is kept (the newest per set) and checked again before it is written when ZooKeeper is back.
 */
export class SwitchFollower {
  private readonly pending = new Map<string, SwitchEvent>();
  /** The newest failover handled per set. */
  private readonly handled = new Map<string, HandledFailover>();
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly d: SwitchFollowerDeps) {}

  /** A failover event, from any subscription: handled in arrival order per set, from when it arrived. */
  onSwitch(event: SwitchEvent): void {
    const arrived = Date.now();
    this.enqueue(event.name, () => this.follow(event, arrived));
  }

  /** Writes the failovers kept while ZooKeeper was away, each checked again first. */
  replay(): void {
    for (const event of this.pending.values()) this.enqueue(event.name, () => this.write(event, 'replay'));
  }

  /** The new masters seen but not written yet (ZooKeeper away), per set. */
  unwritten(): ReadonlyMap<string, Address> {
    return new Map([...this.pending].map(([name, e]) => [name, e.to]));
  }

  /** One set's events are handled one after another, in the order they arrived. */
  private enqueue(name: string, job: () => Promise<void>): void {
    const next = (this.queues.get(name) ?? Promise.resolve()).then(job).catch((err) => {
      this.d.log.error({ set: name, err: String(err), reason: 'unexpected error' }, 'failover event not handled');
    });
    this.queues.set(name, next);
    void next.then(() => {
      if (this.queues.get(name) === next) this.queues.delete(name);
    });
  }

  private async check(event: SwitchEvent): Promise<{ check: EventCheck; via: SentinelView }> {
    const via = await this.d.ask(event.via, event.name);
    const check = checkEvent(event.to, [via]);
    if (check.kind !== 'unconfirmed') return { check, via };
    // The reporting sentinel does not answer (or forgot the set): the others' newest configuration decides.
    const others = this.d.sentinels().filter((s) => formatAddress(s) !== formatAddress(event.via));
    return { check: checkEvent(event.to, await Promise.all(others.map((s) => this.d.ask(s, event.name)))), via };
  }

  private async follow(event: SwitchEvent, promotedAt: number): Promise<void> {
    const { check, via } = await this.check(event);
    if (repeatsHandled(this.handled.get(event.name), event.to, check)) return;
    if (check.kind !== 'current') {
      this.drop(event, check);
      return;
    }
    this.handled.set(event.name, { epoch: check.epoch, to: event.to });
    this.d.metrics.failoversSeen.inc({ set: event.name });
    this.d.log.info(
      {
        set: event.name,
        from: event.from && formatAddress(event.from),
        to: formatAddress(event.to),
        via: formatAddress(event.via),
        epoch: check.epoch,
        reason: event.channel,
      },
      'failover reported by Sentinel',
    );
    const outcome = await this.writeChecked(event, check.epoch, 'switch-master');
    // A change ZooKeeper already holds a newer one than is history out of order: not recorded.
    if (outcome === 'older') return;
    this.d.writer.record(event.name, event.from, event.to);
    const durationMs = this.d.clock.take(event.name, promotedAt, via.reachable ? (via.downAfterMs ?? 0) : 0);
    const gap = await this.d.measure(event.name, event.from, event.to).catch((): OffsetGap => ({}));
    await this.d.history.record(
      event.name,
      historyEvent({
        at: promotedAt,
        from: event.from,
        to: event.to,
        cause: 'sentinel-failover',
        epoch: check.epoch,
        ...(durationMs !== undefined ? { durationMs, outageBasis: 'down-to-promotion' as const } : {}),
        ...gap,
        by: this.d.by,
        reason: `Sentinel's ${event.channel} (via ${formatAddress(event.via)}; ${check.reason})`,
      }),
    );
  }

  /** A kept event, checked again against the sentinels now (a later failover may have happened meanwhile). */
  private async write(event: SwitchEvent, source: 'replay'): Promise<void> {
    if (this.pending.get(event.name) !== event) return; // a newer one replaced it, or it was written
    const views = await Promise.all(this.d.sentinels().map((s) => this.d.ask(s, event.name)));
    const check = checkEvent(event.to, views);
    if (check.kind !== 'current') {
      this.pending.delete(event.name);
      this.drop(event, check);
      return;
    }
    await this.writeChecked(event, check.epoch, source);
  }

  private async writeChecked(event: SwitchEvent, epoch: number, source: 'switch-master' | 'replay'): Promise<WriteOutcome | 'kept'> {
    try {
      const outcome = await this.d.writer.apply(event.name, (reg) => decideOnSwitch(reg, event.to, epoch), source);
      if (this.pending.get(event.name) === event || source === 'switch-master') this.pending.delete(event.name);
      return outcome;
    } catch (err) {
      this.pending.set(event.name, event);
      this.d.log.warn(
        { set: event.name, master: formatAddress(event.to), err: String(err) },
        'ZooKeeper unavailable; the new master is written when it is back',
      );
      return 'kept';
    }
  }

  private drop(event: SwitchEvent, check: EventCheck): void {
    this.d.log.warn(
      { set: event.name, master: formatAddress(event.to), via: formatAddress(event.via), check: check.kind, reason: check.reason },
      'failover event not written',
    );
    if (check.kind === 'unconfirmed') this.d.unconfirmed(`failover to ${formatAddress(event.to)} unconfirmed`);
  }
}
