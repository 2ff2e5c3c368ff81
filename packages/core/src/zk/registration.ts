import type { Logger } from '../log';
import { CreateMode, isNodeExists, type ZkClient } from './client';
import { sleep } from '../time';

/**
 * An ephemeral node that stays registered for as long as its owner lives: re-created after a
 * session expiry or whenever it is found missing on reconnect. ZooKeeper trouble is logged and
 * retried, never thrown: registration must not take the data plane down.
 */
export class EphemeralRegistration {
  private active = false;
  private retrying = false;
  private readonly onReconnect = () => void this.ensure('reconnected');
  private unsubscribe = () => {};

  constructor(
    private readonly zk: ZkClient,
    readonly path: string,
    private readonly data: string,
    private readonly log: Logger,
  ) {}

  /** Registers now (throws if ZooKeeper refuses) and keeps the node present afterwards. */
  async start(): Promise<void> {
    this.active = true;
    this.unsubscribe = this.zk.onReconnected(this.onReconnect);
    await this.write();
    this.log.info({ path: this.path, data: this.data, reason: 'registered' }, 'registered in ZooKeeper');
  }

  private async write(): Promise<void> {
    try {
      await this.zk.createWithParents(this.path, this.data, CreateMode.EPHEMERAL);
    } catch (err) {
      if (!isNodeExists(err)) throw err;
      // Ours from this session (a create whose answer was lost), or a previous session's that
      // has not expired yet: replace the latter, so the node lives and dies with this session.
      const current = await this.zk.getData(this.path);
      if (current && current.ephemeralOwner === this.zk.sessionId) return;
      await this.zk.remove(this.path);
      await this.zk.create(this.path, this.data, CreateMode.EPHEMERAL);
    }
  }

  private async ensure(reason: string): Promise<void> {
    if (!this.active || this.retrying) return;
    this.retrying = true;
    try {
      while (this.active) {
        try {
          if (!(await this.zk.exists(this.path))) {
            await this.write();
            this.log.info({ path: this.path, reason }, 're-registered in ZooKeeper');
          }
          return;
        } catch (err) {
          this.log.warn({ path: this.path, err: String(err) }, 're-registering failed; will retry');
          await sleep(1000);
        }
      }
    } finally {
      this.retrying = false;
    }
  }

  /** Removes the node (best effort) and stops keeping it. */
  async stop(): Promise<void> {
    this.active = false;
    this.unsubscribe();
    await this.zk.remove(this.path).catch((err) => this.log.warn({ path: this.path, err: String(err) }, 'could not remove registration'));
  }
}
