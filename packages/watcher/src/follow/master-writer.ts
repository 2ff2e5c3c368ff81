import { type Address, type Directory, formatAddress, type Logger, type RegisteredMaster } from '@redis-zk/core';
import type { Metrics } from '../metrics';
import type { FailoverRecord } from '@redis-zk/core';
import type { SkipKind, WriteDecision } from './decide-write';

export type WriteSource = 'switch-master' | 'reconcile' | 'replay';

/** What a write came to: ZooKeeper changed, left as it is (why), or other writers kept changing it first. */
export type WriteOutcome = 'written' | SkipKind | 'contended';

/**
 * Writes `masters/<name>` as a compare-and-set on the version it decided from: when another
 * watcher wrote in between, it re-reads and decides again. Several watchers therefore converge
 * without a leader, and an older decision never overwrites a newer one.
 */
export class MasterWriter {
  readonly lastFailover = new Map<string, FailoverRecord>();

  constructor(
    private readonly dir: Directory,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    /** Told of every change a reconcile made: a failover the events missed. */
    private readonly onMissedFailover: (name: string, from: Address | null, to: Address, epoch: number, reason: string) => void = () => undefined,
  ) {}

  /** Throws when ZooKeeper is unavailable. */
  async apply(name: string, decide: (reg: RegisteredMaster | null) => WriteDecision, source: WriteSource): Promise<WriteOutcome> {
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const reg = await this.dir.readMaster(name);
      const d = decide(reg);
      if (d.kind === 'skip') {
        this.log.debug({ set: name, source, reason: d.reason }, 'ZooKeeper left as it is');
        return d.why;
      }
      if (await this.dir.writeMaster(name, d.address, { epoch: d.epoch, expectedVersion: reg ? reg.version : -1 })) {
        this.metrics.zkCorrections.inc({ set: name, source });
        if (source !== 'switch-master') this.record(name, reg?.address ?? null, d.address); // a failover we missed
        if (source === 'reconcile') this.onMissedFailover(name, reg?.address ?? null, d.address, d.epoch, d.reason);
        this.log.info(
          { set: name, source, master: formatAddress(d.address), was: reg?.raw ?? null, epoch: d.epoch, reason: d.reason },
          'ZooKeeper master updated',
        );
        return 'written';
      }
      this.log.debug({ set: name, source, attempt }, 'another writer changed the master first; deciding again');
    }
    return 'contended';
  }

  record(name: string, from: Address | null, to: Address): void {
    this.lastFailover.set(name, { at: new Date().toISOString(), from, to });
  }
}
