import { EventEmitter } from 'node:events';
import Redis from 'ioredis';
import { type Address, formatAddress, type Logger } from '@redis-zk/core';
import { parseSwitchMessage } from './switch-subscriber';

/**
 * A `+switch-master` subscription on every registered sentinel, for the event only. Sentinel's
 * leader publishes the switch first and the others a second or so later, when its hello messages
 * reach them; listening to all of them puts the first one into ZooKeeper. (The SwitchSubscriber
 * still follows one sentinel, with liveness checks, for /health.) Emits 'switch' (SwitchEvent).
 */
export class SwitchListeners extends EventEmitter {
  private readonly conns = new Map<string, Redis>();

  constructor(private readonly log: Logger) { super(); }

  /** Subscribes to sentinels not yet listened to, and drops those no longer registered. */
  update(sentinels: readonly Address[]): void {
    const wanted = new Map(sentinels.map((a) => [formatAddress(a), a]));
    for (const [key, conn] of this.conns) {
      if (!wanted.has(key)) { conn.disconnect(); this.conns.delete(key); }
    }
    for (const [key, address] of wanted) {
      if (this.conns.has(key)) continue;
      const conn = new Redis({ host: address.host, port: address.port, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => 500 });
      conn.on('error', () => undefined);
      conn.on('message', (_channel: string, message: string) => {
        const event = parseSwitchMessage(message, address);
        if (event) this.emit('switch', event);
        else this.log.warn({ message: message.slice(0, 200), sentinel: key }, 'ignoring malformed +switch-master');
      });
      conn.subscribe('+switch-master').catch(() => undefined); // re-sent by ioredis on reconnect
      this.conns.set(key, conn);
    }
  }

  stop(): void {
    for (const conn of this.conns.values()) conn.disconnect();
    this.conns.clear();
  }
}
