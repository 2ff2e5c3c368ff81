import { EventEmitter } from 'node:events';
import Redis from 'ioredis';
import { type Address, formatAddress, type Logger, sentinelClientAuth, sleep } from '@redis-zk/core';
import { subscribeToFailovers } from '@redis-zk/core';

const CHECK_EVERY_MS = 500;
const TIMEOUT_MS = 1000;

/**
 * Follows the failover events (core's sentinel/failover-events.ts) on one live sentinel at a time. A dropped or
 * hung connection (checked by PING every 0.5 s, each bounded to 1 s) moves it to another
 * registered sentinel within about a second. Emits 'switch' (SwitchEvent) and 'subscribed' (Address) after every (re)subscription,
 * so its owner can reconcile what may have been missed meanwhile.
 */
export class FollowedSentinel extends EventEmitter {
  private sub: Redis | undefined;
  private cmd: Redis | undefined;
  private current: Address | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private next = 0;

  constructor(
    private readonly sentinels: () => readonly Address[],
    private readonly log: Logger,
  ) {
    super();
  }

  get following(): Address | null {
    return this.current ?? null;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.drop();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!this.current) {
        const target = this.pick();
        if (!target || !(await this.subscribe(target))) {
          await sleep(target ? 100 : 250);
          continue;
        }
      } else {
        // The connection's 'close' may drop it while the PING is under way: remember whom we asked.
        const asked = this.current;
        if (!(await this.alive())) {
          if (this.current === asked) {
            this.log.warn({ sentinel: formatAddress(asked), reason: 'no answer to PING' }, 'followed sentinel lost; moving to another');
            this.drop();
          }
          continue;
        }
      }
      await sleep(CHECK_EVERY_MS);
    }
  }

  /** Round-robin over the registered sentinels, so a bad one is not retried forever. */
  private pick(): Address | undefined {
    const list = this.sentinels();
    if (list.length === 0) return undefined;
    return list[this.next++ % list.length];
  }

  private connection(a: Address): Redis {
    const r = new Redis({
      ...sentinelClientAuth(),
      host: a.host,
      port: a.port,
      lazyConnect: true,
      connectTimeout: TIMEOUT_MS,
      commandTimeout: TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    r.on('error', () => undefined);
    return r;
  }

  private async subscribe(target: Address): Promise<boolean> {
    const sub = this.connection(target);
    const cmd = this.connection(target);
    try {
      await Promise.all([sub.connect(), cmd.connect()]);
      await subscribeToFailovers(sub, target, this.log, (event) => this.emit('switch', event));
    } catch (err) {
      sub.disconnect();
      cmd.disconnect();
      this.log.debug({ sentinel: formatAddress(target), err: String(err) }, 'could not subscribe');
      return false;
    }
    // Connection loss is noticed by the PING loop too; this only makes it quicker.
    sub.once('close', () => {
      if (this.sub === sub) this.drop();
    });
    this.sub = sub;
    this.cmd = cmd;
    this.current = target;
    this.log.info({ sentinel: formatAddress(target), reason: 'live sentinel' }, 'following failover events');
    this.emit('subscribed', target);
    return true;
  }

  private async alive(): Promise<boolean> {
    try {
      return (await this.cmd?.ping()) === 'PONG' && this.sub?.status === 'ready';
    } catch {
      return false;
    }
  }

  private drop(): void {
    const was = this.current;
    this.sub?.disconnect();
    this.cmd?.disconnect();
    this.sub = this.cmd = this.current = undefined;
    if (was) this.emit('lost', was);
  }
}
