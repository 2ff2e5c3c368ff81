import Redis from 'ioredis';
import { type Address, formatAddress } from '../address';
import type { ClientAuth } from '../security/clients';
import { TimeoutError, withTimeout } from '../time';

/**
 * A connection attempt that has not connected after this long is given up for a fresh one: over a
 * path that was cut, its SYN is retried by TCP only a second or more later (a healed partition's
 * first looks waited for it: the fence of the old master ~1 s late); on a working path a
 * connection takes milliseconds.
 */
export const STALE_ATTEMPT_MS = 250;

/**
 * Whether a pooled client is given up for a fresh connection (pure): closed for good (one
 * attempt each: a server that refused or dropped it is asked again on a new one), or still
 * connecting `STALE_ATTEMPT_MS` after it began.
 *
 * | status                         | attempt age | replaced |
 * |--------------------------------|-------------|----------|
 * | ready                          | any         | no       |
 * | connecting / connect / wait    | < 250 ms    | no       |
 * | connecting / connect / wait    | >= 250 ms   | yes      |
 * | close / end / reconnecting     | any         | yes      |
 */
export function staleClient(status: string, attemptAgeMs: number): boolean {
  if (status === 'ready') return false;
  if (status === 'connecting' || status === 'connect' || status === 'wait') return attemptAgeMs >= STALE_ATTEMPT_MS;
  return true;
}

/**
 * Long-lived connections for questions asked every tick (a loop asking the same few servers once
 * a second would otherwise open and close a connection per question). Each command is bounded by
 * `timeoutMs`; no offline queue. A client makes one connection attempt: once it is closed, or its
 * attempt has not connected soon (`staleClient`), the next use starts a fresh one. Clients not
 * used for `idleMs` are closed.
 */
export class RedisPool {
  private readonly clients = new Map<string, { redis: Redis; usedAt: number; createdAt: number }>();
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
   * Runs `use` on the address's client; rejects if the server does not answer in time (the pool's
   * timeout, or the caller's when shorter: a tick's probes must stay short while a path is cut).
   * Callers go through withRedis / withSentinel with `pool`, which pass the process's auth and TLS.
   */
  async with<T>(address: Address, use: (r: Redis) => Promise<T>, auth: ClientAuth, timeoutMs?: number): Promise<T> {
    const key = `${formatAddress(address)}|${auth.password ?? ''}|${auth.tls ? 'tls' : ''}`;
    let entry = this.clients.get(key);
    if (entry && staleClient(entry.redis.status, Date.now() - entry.createdAt)) {
      this.clients.delete(key);
      entry.redis.disconnect();
      entry = undefined;
    }
    const timeout = this.opts.timeoutMs ?? 1000;
    const bound = Math.min(timeoutMs ?? timeout, timeout);
    if (!entry) {
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
        retryStrategy: () => null,
      });
      redis.on('error', () => undefined); // reported through the rejected command instead
      entry = { redis, usedAt: Date.now(), createdAt: Date.now() };
      this.clients.set(key, entry);
    }
    entry.usedAt = Date.now();
    const { redis } = entry;
    if (redis.status !== 'ready') await waitReady(redis, bound);
    try {
      return bound < timeout ? await withTimeout(use(redis), bound, `${formatAddress(address)} answer`) : await use(redis);
    } catch (err) {
      // A command that timed out leaves the connection up: over a cut network path its socket sends
      // nothing until TCP's next retry (seconds after a long cut), and every later command would
      // queue behind it. A fresh connection is asked next time instead.
      if ((isCommandTimeout(err) || err instanceof TimeoutError) && this.clients.get(key) === entry) {
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

/** Resolves once the client is ready; rejects at `timeoutMs`, or at once when its one attempt ends (refused, dropped). */
function waitReady(redis: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let cause: unknown;
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`not connected within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = (err: unknown) => {
      cause ??= err;
    };
    const onEnd = () => {
      cleanup();
      reject(cause instanceof Error ? cause : new Error('Connection is closed.'));
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      redis.off('end', onEnd);
    };
    redis.on('ready', onReady);
    redis.on('error', onError);
    redis.on('end', onEnd);
    if (redis.status === 'ready') onReady();
    else if (redis.status === 'end') onEnd();
  });
}
