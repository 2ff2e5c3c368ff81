import { EventEmitter } from 'node:events';
import Redis from 'ioredis';
import { type Address, formatAddress } from '../address';
import type { Logger } from '../log';
import { sentinelClientAuth } from '../security/clients';
import { subscribeToFailovers } from './failover-events';

/**
 * A subscription to the failover events (failover-events.ts) on every registered sentinel.
 * Only the failover's leader reports it at once (the others a second or so later, when its hello
 * messages reach them), and any sentinel may lead: listening to all of them puts the first
 * report into ZooKeeper. (The watcher's FollowedSentinel still follows one sentinel, with liveness checks,
 * for /health.) Emits 'switch' (SwitchEvent), 'start' (FailoverStart: a failover begins) and
 * 'selected' (ReplicaSelected: the leader chose the replica it promotes).
 */
export class SwitchListeners extends EventEmitter {
  private readonly conns = new Map<string, Redis>();

  constructor(private readonly log: Logger) {
    super();
  }

  /** Subscribes to sentinels not yet listened to, and drops those no longer registered. */
  update(sentinels: readonly Address[]): void {
    const wanted = new Map(sentinels.map((a) => [formatAddress(a), a]));
    for (const [key, conn] of this.conns) {
      if (!wanted.has(key)) {
        conn.disconnect();
        this.conns.delete(key);
      }
    }
    for (const [key, address] of wanted) {
      if (this.conns.has(key)) continue;
      const conn = new Redis({
        ...sentinelClientAuth(),
        host: address.host,
        port: address.port,
        connectTimeout: 1000,
        maxRetriesPerRequest: 0,
        retryStrategy: () => 500,
      });
      conn.on('error', () => undefined);
      // Re-sent by ioredis on reconnect.
      subscribeToFailovers(conn, address, this.log, (event) => this.emit('switch', event), {
        onStart: (start) => this.emit('start', start),
        onSelected: (selected) => this.emit('selected', selected),
      }).catch(() => undefined);
      this.conns.set(key, conn);
    }
  }

  stop(): void {
    for (const conn of this.conns.values()) conn.disconnect();
    this.conns.clear();
  }
}
