/**
 * The engines redis-zk supports. Redis 7.0 (Debian's redis-server) is the default every test runs
 * on; Valkey 8.0 (Debian's valkey-server and valkey-sentinel from bookworm-backports, installed by
 * scripts/ensure-deps) is chosen with this environment, given to every program a test starts.
 */
export const VALKEY = { REDIS_SERVER_BIN: 'valkey-server', REDIS_SENTINEL_BIN: 'valkey-sentinel' } as const;
