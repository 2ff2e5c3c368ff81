import { randomBytes } from 'node:crypto';

/**
 * Every deployment a test starts is secured as shipped: this password (redis and Sentinel) and
 * these ZooKeeper credentials, new for each test process, so a search for them in what a test
 * produced finds only real leaks. Tests of the open mode set ALLOW_EMPTY_PASSWORD=yes and
 * ALLOW_ANONYMOUS_ZK=yes.
 */
export const TEST_PASSWORD = `test-pw-${randomBytes(12).toString('hex')}`;
export const TEST_ZK_USER = 'redis-zk-test';
export const TEST_ZK_SECRET = `zk-${randomBytes(12).toString('hex')}`;
export const TEST_ZK_AUTH = `${TEST_ZK_USER}:${TEST_ZK_SECRET}`;

/** The environment of an open deployment: no password, no ZooKeeper credentials. */
export const OPEN_MODE = { REDIS_PASSWORD: '', ALLOW_EMPTY_PASSWORD: 'yes', ZK_AUTH: '', ALLOW_ANONYMOUS_ZK: 'yes' } as const;

/**
 * A deployment with every least-privilege ACL user (docs/security.md#redis-acl-users): their
 * passwords, new for each test process. The users keep their default names (app, discovery, …).
 */
export const TEST_ACL_USERS = {
  REPLICATION_PASSWORD: `repl-pw-${randomBytes(12).toString('hex')}`,
  SENTINEL_AUTH_PASSWORD: `sentinel-auth-pw-${randomBytes(12).toString('hex')}`,
  APP_PASSWORD: `app-pw-${randomBytes(12).toString('hex')}`,
  DISCOVERY_PASSWORD: `discovery-pw-${randomBytes(12).toString('hex')}`,
} as const;

/** A client's environment for the examples (examples/): the app user on redis, the discovery user on Sentinel. */
export const TEST_CLIENT_USERS = {
  REDIS_USERNAME: 'app',
  REDIS_PASSWORD: TEST_ACL_USERS.APP_PASSWORD,
  SENTINEL_USERNAME: 'discovery',
  SENTINEL_PASSWORD: TEST_ACL_USERS.DISCOVERY_PASSWORD,
} as const;
