import Redis, { type RedisOptions } from 'ioredis';
import type { Address } from '../address';
import { type ClientAuth, redisClientAuth, sentinelClientAuth } from '../security/clients';
import type { RedisPool } from './pool';

/** How long to wait, and over which connections. The password and TLS are the process's, set once at start (security/clients.ts). */
export interface ConnectOptions {
  timeoutMs?: number;
  /** Ask over the pool's long-lived connection (for questions asked every tick). */
  pool?: RedisPool;
}

/**
 * A short-lived connection to a redis node for a question or two: no retries, no offline queue,
 * bounded in time, so a dead or hung node costs at most `timeoutMs` instead of hanging the caller.
 * It authenticates and speaks TLS as the program was configured (configureProgram).
 */
export function withRedis<T>(address: Address, opts: ConnectOptions, use: (r: Redis) => Promise<T>): Promise<T> {
  return connectOnce(address, opts, redisClientAuth(), use);
}

/** withRedis for a sentinel: Sentinel's own password (SENTINEL_PASSWORD), same TLS. */
export function withSentinel<T>(address: Address, opts: ConnectOptions, use: (r: Redis) => Promise<T>): Promise<T> {
  return connectOnce(address, opts, sentinelClientAuth(), use);
}

async function connectOnce<T>(address: Address, opts: ConnectOptions, auth: ClientAuth, use: (r: Redis) => Promise<T>): Promise<T> {
  const password = auth.password || undefined;
  if (opts.pool) return opts.pool.with(address, use, { password, tls: auth.tls }, opts.timeoutMs);
  const timeout = opts.timeoutMs ?? 1000;
  const options: RedisOptions = {
    host: address.host,
    port: address.port,
    password,
    tls: auth.tls,
    lazyConnect: true,
    connectTimeout: timeout,
    commandTimeout: timeout,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    enableReadyCheck: false,
  };
  const redis = new Redis(options);
  // Reported through the rejected call instead. connect() itself rejects with "Connection is
  // closed." whatever the cause, so the cause (ECONNREFUSED: nothing listens) is kept from here.
  let cause: unknown;
  redis.on('error', (err: unknown) => {
    cause ??= err;
  });
  try {
    await redis.connect().catch((err: unknown) => {
      throw cause ?? err;
    });
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** Parses INFO output into a flat map. */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}
