import Redis from 'ioredis';
import { type Address, formatAddress } from '../address';
import type { ClientAuth } from '../security/clients';

/**
 * Long-lived connections for questions asked every tick (a loop asking the same few servers once
 * a second would otherwise open and close a connection per question). Each command is bounded by
 * `timeoutMs`; while a server is down its commands fail at once (no offline queue) and the client
 * reconnects in the background. Clients not used for `idleMs` are closed.
 */
export class RedisPool {
  private readonly clients = new Map<string, { redis: Redis; usedAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly opts: { timeoutMs?: number; idleMs?: number } = {}) {
    const idleMs = opts.idleMs ?? 60_000;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [key, c] of this.clients) {
        if (now - c.usedAt > idleMs) {
          c.redis.disconnect();
          this.clients.delete(key);
        }
      }
    }, idleMs);
    this.sweeper.unref();
  }

  /**
   * Runs `use` on the address's client; rejects if the server does not answer in time. Callers
   * go through withRedis / withSentinel with `pool`, which pass the process's auth and TLS.
   */
  async with<T>(address: Address, use: (r: Redis) => Promise<T>, auth: ClientAuth): Promise<T> {
    const key = `${formatAddress(address)}|${auth.password ?? ''}|${auth.tls ? 'tls' : ''}`;
    let entry = this.clients.get(key);
    if (!entry) {
      const timeout = this.opts.timeoutMs ?? 1000;
      const redis = new Redis({
        host: address.host,
        port: address.port,
        password: auth.password || undefined,
        tls: auth.tls,
        connectTimeout: timeout,
        commandTimeout: timeout,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        enableReadyCheck: false,
        retryStrategy: () => Math.min(timeout, 500),
      });
      redis.on('error', () => undefined); // reported through the rejected command instead
      entry = { redis, usedAt: Date.now() };
      this.clients.set(key, entry);
    }
    entry.usedAt = Date.now();
    const { redis } = entry;
    // A server that refused the last attempt fails at once, as a fresh connection would.
    if (redis.status === 'reconnecting') throw new Error(`${formatAddress(address)} is not connected (reconnecting)`);
    if (redis.status !== 'ready') await waitReady(redis, this.opts.timeoutMs ?? 1000);
    try {
      return await use(redis);
    } catch (err) {
      // A command that timed out leaves the connection up: over a cut network path its socket sends
      // nothing until TCP's next retry (seconds after a long cut), and every later command would
      // queue behind it. A fresh connection is asked next time instead.
      if (isCommandTimeout(err) && this.clients.get(key) === entry) {
        this.clients.delete(key);
        redis.disconnect();
      }
      throw err;
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const c of this.clients.values()) c.redis.disconnect();
    this.clients.clear();
  }
}

/** ioredis rejects a command past `commandTimeout` with this message (it has no error class for it). */
const isCommandTimeout = (err: unknown): boolean => err instanceof Error && err.message === 'Command timed out';

function waitReady(redis: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`not connected within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
    if (redis.status === 'ready') onReady();
  });
}
