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
