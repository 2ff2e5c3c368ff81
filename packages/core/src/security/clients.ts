import type { ConnectionOptions } from 'node:tls';
import type { Security } from './settings';

/** What a client needs to be let in by a redis node or a sentinel: ioredis options as they are. */
export interface ClientAuth {
  readonly password?: string | undefined;
  readonly tls?: ConnectionOptions | undefined;
}

let redisAuth: ClientAuth = {};
let sentinelAuth: ClientAuth = {};

/**
 * Sets, once at start, how every connection of this process authenticates (withRedis,
 * withSentinel, the watcher's subscriptions): one place instead of a password and TLS options
 * threaded through every caller. Nothing set = no password, plain TCP.
 */
export function useClientSecurity(s: Security): void {
  const tls = s.tls ? clientTls(s.tls) : undefined;
  redisAuth = { password: s.redisPassword, tls };
  sentinelAuth = { password: s.sentinelPassword, tls };
}

/** Options for a connection to a redis node. */
export const redisClientAuth = (): ClientAuth => redisAuth;

/** Options for a connection to a sentinel: the one thing every caller that talks to Sentinel uses. */
export const sentinelClientAuth = (): ClientAuth => sentinelAuth;

/**
 * The chain is checked against REDIS_TLS_CA_FILE, and the certificate is presented as a client
 * certificate (tls-auth-clients). The host name is not checked, as redis itself does not for
 * replication and Sentinel links: peers are dialled by the IP addresses ZooKeeper and Sentinel
 * announce, which certificates rarely list. Trust is the CA: use one dedicated to the deployment.
 */
function clientTls(t: { cert: Buffer; key: Buffer; ca: Buffer }): ConnectionOptions {
  return { cert: t.cert, key: t.key, ca: t.ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
}
