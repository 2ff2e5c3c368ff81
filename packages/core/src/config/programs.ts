import path from 'node:path';
import { PORT0, VARS } from './vars';

type Vars = typeof VARS;
/** The catalogue's entries named, each with its own type. */
const pick = <K extends keyof Vars>(...names: K[]): Pick<Vars, K> => Object.fromEntries(names.map((n) => [n, VARS[n]])) as Pick<Vars, K>;

const zookeeper = pick('ZK_HOSTS', 'ZK_ROOT', 'ZK_SESSION_TIMEOUT_MS', 'ZK_AUTH', 'ALLOW_ANONYMOUS_ZK');
/** Every program talks to redis and Sentinel, so every program knows how to authenticate. */
const security = pick(
  'REDIS_PASSWORD',
  'ALLOW_EMPTY_PASSWORD',
  'SENTINEL_PASSWORD',
  'REDIS_TLS_ENABLED',
  'REDIS_TLS_CERT_FILE',
  'REDIS_TLS_KEY_FILE',
  'REDIS_TLS_CA_FILE',
  'REDIS_TLS_AUTH_CLIENTS',
);
const node = pick('NET_IFACE', 'BIND_IP', 'HOST', 'LIBPROCESS_IP', 'ANNOUNCE_IP', 'ANNOUNCE_PORT', 'DATA_DIR', 'MASTER_WAIT_TIMEOUT_MS');

/** The variables each program reads; the README's env table lists the union. */
export const PROGRAM_VARS = {
  'redis-wrapper': {
    ...zookeeper,
    ...security,
    ...node,
    PORT0: PORT0('redis-wrapper'),
    ...pick(
      'LOG_LEVEL',
      'PORT1',
      'MASTER_NAME',
      'REDIS_CONF',
      'REDIS_SERVER_BIN',
      'DATA_LOCK_WAIT_MS',
      'ELECTION_DATA_WAIT_MS',
      'SWITCHOVER_TIMEOUT_MS',
      'REDIS_MAXMEMORY',
      'REDIS_MAXMEMORY_POLICY',
      'REDIS_NICE',
      'MARATHON_APP_RESOURCE_MEM',
      'ROLE_CHECK_INTERVAL_MS',
      'SENTINEL_FAILOVER_TIMEOUT_MS',
      'NEVER_PROMOTE',
      'FAILOVER_PRIORITY',
      'FAILOVER_MAX_LAG_BYTES',
      // The ACL users every node defines (security/acl-users.ts).
      'REPLICATION_USER',
      'REPLICATION_PASSWORD',
      'SENTINEL_AUTH_USER',
      'SENTINEL_AUTH_PASSWORD',
      'APP_USER',
      'APP_PASSWORD',
    ),
  },
  'sentinel-wrapper': {
    ...zookeeper,
    ...security,
    ...node,
    PORT0: PORT0('sentinel-wrapper'),
    ...pick(
      'LOG_LEVEL',
      'MASTER_NAMES',
      'SENTINEL_QUORUM',
      'SENTINEL_DOWN_AFTER_MS',
      'SENTINEL_FAILOVER_TIMEOUT_MS',
      'SENTINEL_PARALLEL_SYNCS',
      'SENTINEL_INFO_PERIOD_MS',
      'SENTINEL_CONF',
      'REDIS_SENTINEL_BIN',
      // The user Sentinel logs in to the nodes as, and the discovery user it defines (security/acl-users.ts).
      'SENTINEL_AUTH_USER',
      'SENTINEL_AUTH_PASSWORD',
      'DISCOVERY_USER',
      'DISCOVERY_PASSWORD',
      'SENTINEL_CLEANUP_GRACE_MS',
    ),
  },
  watcher: {
    ...zookeeper,
    ...security,
    PORT0: PORT0('watcher'),
    ...pick('LOG_LEVEL', 'HTTP_HOST', 'RECONCILE_INTERVAL_MS', 'SENTINEL_CLEANUP_GRACE_MS'),
  },
  /** The operator's command: reads ZooKeeper, asks redis and Sentinel as the deployment's programs do. */
  'redis-zk': {
    ...zookeeper,
    ...security,
  },
} as const;

/** DATA_DIR's default depends on where we run: the Mesos sandbox, else the working directory. */
export const resolveDataDir = (dataDir: string | undefined, env: NodeJS.ProcessEnv = process.env): string =>
  path.resolve(dataDir ?? (env.MESOS_SANDBOX ? path.join(env.MESOS_SANDBOX, 'data') : 'data'));
