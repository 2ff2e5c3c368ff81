import { EventEmitter } from 'node:events';
import { type Address, byAddress, Coalesced, type Directory, formatAddress, type Logger, type RegisteredMaster, sameAddress } from '@redis-zk/core';

/**
 * An in-memory copy of part of ZooKeeper, refreshed by watches, reconnects and new sessions (a
 * watch is lost with its session), so requests never read ZooKeeper. Emits 'change'.
 */
abstract class WatchedView<T> extends EventEmitter {
  protected value: T;
  private readonly refresh = new Coalesced((reason) => this.reload(reason));
  protected readonly onWatch = () => this.refresh.trigger('watch fired');
  private readonly onReconnect = () => this.refresh.trigger('reconnected');
  private unsubscribe = () => {};
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    protected readonly dir: Directory,
    protected readonly log: Logger,
    initial: T,
  ) {
    super();
    this.value = initial;
  }

  start(): void {
    this.unsubscribe = this.dir.onReconnected(this.onReconnect);
    this.refresh.trigger('start');
  }

  stop(): void {
    this.unsubscribe();
    clearTimeout(this.retry);
  }

  get current(): T {
    return this.value;
  }

  /** Read from ZooKeeper at least once (until then `current` is only the initial value). */
  get loaded(): boolean {
    return this.loadedOnce;
  }
  private loadedOnce = false;

  protected abstract load(): Promise<T>;

  private async reload(reason: string): Promise<void> {
    clearTimeout(this.retry);
    try {
      this.value = await this.load();
      this.loadedOnce = true;
      this.failures = 0;
      this.emit('change', reason);
    } catch (err) {
      // Kept as it was, and read again soon: a read that failed while connected (a timeout on a
      // loaded host) may have set no watch, and no reconnect would come to refresh it (nemesis
      // model seed 1980227205: a watcher whose first read failed never loaded, 503 for minutes).
      this.failures += 1;
      const inMs = Math.min(5000, 500 * 2 ** Math.min(this.failures - 1, 4));
      this.log.debug({ err: String(err), reason, retryInMs: inMs }, 'ZooKeeper view not refreshed; reading again soon');
      this.retry = setTimeout(() => this.refresh.trigger('retry after a failed read'), inMs);
      this.retry.unref();
    }
  }
}

/**
 * Live sentinels registered under `sentinels/`. For `rejoinGraceMs` after ZooKeeper comes back, a
 * sentinel whose registration is missing stays listed: after an outage longer than the session
 * timeout, ZooKeeper expires every registration at once, and their owners re-create them on their
 * new sessions a moment later; discovery must not hand out a short list meanwhile. After the
 * grace, ZooKeeper's list is the list again.
 */
export class SentinelList extends WatchedView<Address[]> {
  private reconnectedAt = 0;

  constructor(
    dir: Directory,
    log: Logger,
    private readonly rejoinGraceMs = 0,
  ) {
    super(dir, log, []);
    const reconnected = () => {
      this.reconnectedAt = Date.now();
    };
    dir.onReconnected(reconnected);
  }

  protected async load(): Promise<Address[]> {
    const live = (await this.dir.listSentinels(this.onWatch)).map((m) => m.address);
    const left = this.reconnectedAt + this.rejoinGraceMs - Date.now();
    if (left <= 0) return live;
    const missing = this.value.filter((a) => !live.some((b) => sameAddress(a, b)));
    if (missing.length === 0) return live;
    this.log.info(
      { missing: missing.map(formatAddress), graceMs: left, reason: 'ZooKeeper came back: registrations may be re-created' },
      'keeping sentinels whose registration is missing',
    );
    setTimeout(this.onWatch, left + 50).unref();
    return [...live, ...missing].sort(byAddress);
  }
}

/** Every set's registered master (`masters/<name>` and its epoch). */
export class MasterMap extends WatchedView<ReadonlyMap<string, RegisteredMaster>> {
  constructor(dir: Directory, log: Logger) {
    super(dir, log, new Map());
  }
  protected async load(): Promise<ReadonlyMap<string, RegisteredMaster>> {
    const names = await this.dir.listMasterNames(this.onWatch);
    const entries = await Promise.all(names.map(async (name) => [name, await this.dir.readMaster(name, this.onWatch)] as const));
    return new Map(entries.filter((e): e is readonly [string, RegisteredMaster] => e[1] !== null));
  }
}
