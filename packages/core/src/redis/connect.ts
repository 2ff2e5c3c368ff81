import Redis, { type RedisOptions } from 'ioredis';
import type { Address } from '../address';
import type { RedisPool } from './pool';

export interface ConnectOptions {
  password?: string | undefined;
  timeoutMs?: number;
  /** Ask over the pool's long-lived connection (for questions asked every tick). */
  pool?: RedisPool;
}

/**
 * A short-lived connection for a question or two: no retries, no offline queue, bounded in time,
 * so a dead or hung node costs at most `timeoutMs` instead of hanging the caller.
 */
export async function withRedis<T>(address: Address, opts: ConnectOptions, use: (r: Redis) => Promise<T>): Promise<T> {
  if (opts.pool) return opts.pool.with(address, use, opts.password ?? '');
  const timeout = opts.timeoutMs ?? 1000;
  const options: RedisOptions = {
    host: address.host,
    port: address.port,
    password: opts.password || undefined,
    lazyConnect: true,
    connectTimeout: timeout,
    commandTimeout: timeout,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    enableReadyCheck: false,
  };
  const redis = new Redis(options);
  redis.on('error', () => undefined); // reported through the rejected command instead
  try {
    await redis.connect();
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
