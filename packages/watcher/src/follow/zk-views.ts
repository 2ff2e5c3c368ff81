import { EventEmitter } from 'node:events';
import { type Address, Coalesced, type Directory, type Logger, type RegisteredMaster } from '@redis-zk/core';

/**
 * An in-memory copy of part of ZooKeeper, refreshed by watches, reconnects and new sessions (a
 * watch is lost with its session), so requests never read ZooKeeper. Emits 'change'.
 */
abstract class WatchedView<T> extends EventEmitter {
  protected value: T;
  private readonly refresh = new Coalesced((reason) => this.reload(reason));
  protected readonly onWatch = () => this.refresh.trigger('watch fired');
  private readonly onReconnect = () => this.refresh.trigger('reconnected');

  constructor(
    protected readonly dir: Directory,
    protected readonly log: Logger,
    initial: T,
  ) {
    super();
    this.value = initial;
  }

  start(): void {
    this.dir.zk.on('connected', this.onReconnect);
    this.dir.zk.on('session', this.onReconnect);
    this.refresh.trigger('start');
  }

  stop(): void {
    this.dir.zk.off('connected', this.onReconnect);
    this.dir.zk.off('session', this.onReconnect);
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
    try {
      this.value = await this.load();
      this.loadedOnce = true;
      this.emit('change', reason);
    } catch (err) {
      // Kept as it was; the next reconnect refreshes it.
      this.log.debug({ err: String(err), reason }, 'ZooKeeper view not refreshed');
    }
  }
}

/** Live sentinels registered under `sentinels/`. */
export class SentinelList extends WatchedView<Address[]> {
  constructor(dir: Directory, log: Logger) {
    super(dir, log, []);
  }
  protected async load(): Promise<Address[]> {
    return (await this.dir.listSentinels(this.onWatch)).map((m) => m.address);
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
