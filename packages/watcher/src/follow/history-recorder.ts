import type { Directory, HistoryEvent, Logger } from '@redis-zk/core';

/**
 * Records the failovers the watcher observes in the set's history (ZooKeeper), where they outlive
 * it. Every watcher records every failover it sees; Directory.recordChange makes that one entry per
 * change. What cannot be written while ZooKeeper is away is written when it is back (retry()).
 */
export class HistoryRecorder {
  private readonly pending: Array<{ name: string; event: HistoryEvent }> = [];

  constructor(
    private readonly dir: Directory,
    private readonly log: Logger,
  ) {}

  async record(name: string, event: HistoryEvent): Promise<void> {
    try {
      const result = await this.dir.recordChange(name, event);
      this.log.info(
        {
          set: name,
          cause: event.cause,
          epoch: event.epoch,
          from: event.from,
          to: event.to,
          durationMs: event.durationMs,
          outageBasis: event.outageBasis,
          offsetGapBytes: event.offsetGapBytes,
          result,
        },
        'change of master recorded in the history',
      );
    } catch (err) {
      if (this.pending.length < 1000) this.pending.push({ name, event });
      this.log.warn({ set: name, err: String(err), reason: 'ZooKeeper unavailable' }, 'history entry kept until ZooKeeper is back');
    }
  }

  /** Writes what ZooKeeper could not take before (on reconnect). */
  retry(): void {
    for (const { name, event } of this.pending.splice(0)) void this.record(name, event);
  }
}
