import path from 'node:path';
import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Every environment variable of every program, with its default and its check: the one place
 * they are defined. `README.md` documents the same table (a test keeps the two in step).
 */
export interface VarSpec<T, D extends string | undefined = string | undefined> {
  /** Default as the raw string a user would write; undefined = unset (optional). */
  readonly default?: D;
  readonly doc: string;
  readonly secret?: boolean;
  readonly schema: z.ZodType<T, string>;
}

const define = <T, D extends string | undefined = undefined>(spec: VarSpec<T, D>): VarSpec<T, D> => spec;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number from ${min} to ${max}`);

const port = () => int(1, 65535);

const ip = z
  .string()
  .trim()
  .refine((s) => isIP(s) !== 0, 'must be an IPv4 or IPv6 address');

const hostPort = (s: string) => {
  const m = /^[A-Za-z0-9.\-_\[\]:]+:(\d{1,5})$/.exec(s);
  return !!m && Number(m[1]) >= 1 && Number(m[1]) <= 65535;
};

/** `h1:2181,h2:2181[/chroot]`: node-zookeeper-client takes the chroot at the end. */
const zkHosts = z
  .string()
  .trim()
  .refine((s) => {
    const slash = s.indexOf('/');
    const hosts = slash === -1 ? s : s.slice(0, slash);
    const chroot = slash === -1 ? '' : s.slice(slash);
    return (
      hosts.split(',').every((h) => hostPort(h.trim())) &&
      (chroot === '' || /^(\/[^/\s]+)+$/.test(chroot))
    );
  }, 'must be a comma list of host:port, optionally followed by a /chroot');

const zkPath = z
  .string()
  .trim()
  .regex(/^(\/[A-Za-z0-9._-]+)+$/, 'must be an absolute ZooKeeper path such as /redis (no trailing slash)');

const masterNamePattern = /^[A-Za-z0-9._-]+$/;
const masterName = z
  .string()
  .trim()
  .regex(masterNamePattern, 'must be letters, digits, ".", "_" or "-"');

const masterNames = z
  .string()
  .trim()
  .transform((s) => s.split(',').map((n) => n.trim()).filter(Boolean))
  .refine((names) => names.length > 0 && names.every((n) => masterNamePattern.test(n)),
    'must be a comma list of names made of letters, digits, ".", "_" or "-"');

const logLevel = z.string().trim().pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']));

const text = z.string();
const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** Where the project's own files (conf/) are: relative to the installed program, not the cwd. */
export const projectRoot = path.resolve(__dirname, '..', '..', '..', '..');

export const VARS = {
  ZK_HOSTS: define({ default: 'localhost:2181', doc: 'ZooKeeper ensemble, comma list of host:port; may end with a /chroot', schema: zkHosts }),
  ZK_ROOT: define({ default: '/redis', doc: 'Root path of everything redis-zk keeps in ZooKeeper', schema: zkPath }),
  ZK_SESSION_TIMEOUT_MS: define({ default: '10000', doc: 'ZooKeeper session timeout: how long ephemeral registrations outlive a dead task', schema: int(1000, 600000) }),
  MASTER_NAME: define({ default: 'mymaster', doc: 'Replica set (Sentinel master name) this redis node belongs to', schema: masterName }),
  MASTER_NAMES: define({ doc: 'Comma list restricting which replica sets this Sentinel monitors (default: every set in ZooKeeper)', schema: masterNames }),
  NET_IFACE: define({ default: 'eth0', doc: 'Network interface whose IPv4 address to bind to', schema: nonEmpty }),
  BIND_IP: define({ doc: 'Address to bind to; overrides NET_IFACE', schema: ip }),
  ANNOUNCE_IP: define({ doc: 'Address other nodes and clients are told (default: the bind address); needed under Docker bridge networking', schema: ip }),
  ANNOUNCE_PORT: define({ doc: 'Port other nodes and clients are told (default: PORT0)', schema: port() }),
  REDIS_PASSWORD: define({ doc: 'requirepass and masterauth of every redis node (and Sentinel auth-pass); never logged', secret: true, schema: text }),
  DATA_DIR: define({ doc: 'Writable directory for data and generated config (default: $MESOS_SANDBOX/data, else ./data)', schema: nonEmpty }),
  REDIS_CONF: define({ default: path.join(projectRoot, 'conf', 'redis.conf'), doc: 'Base redis.conf, kept whole and extended in DATA_DIR (default: the project\'s conf/redis.conf)', schema: nonEmpty }),
  SENTINEL_CONF: define({ default: path.join(projectRoot, 'conf', 'sentinel.conf'), doc: 'Base sentinel.conf, kept whole and extended in DATA_DIR (default: the project\'s conf/sentinel.conf)', schema: nonEmpty }),
  REDIS_SERVER_BIN: define({ default: 'redis-server', doc: 'redis-server executable', schema: nonEmpty }),
  REDIS_SENTINEL_BIN: define({ default: 'redis-sentinel', doc: 'redis-sentinel executable', schema: nonEmpty }),
  MASTER_WAIT_TIMEOUT_MS: define({ default: '60000', doc: 'How long to wait for a usable master (redis-wrapper: a safe election; sentinel-wrapper: a registered master); 0 = forever', schema: int(0) }),
  ELECTION_DATA_WAIT_MS: define({ default: '10000', doc: 'After a whole-set loss, how long an empty node waits for a node with data to come back and become master first', schema: int(0) }),
  SWITCHOVER_TIMEOUT_MS: define({ default: '20000', doc: 'On SIGTERM, how long the master waits for a Sentinel switchover before stopping anyway (0 = no switchover); keep it below the kill grace period', schema: int(0) }),
  SENTINEL_QUORUM: define({ default: '2', doc: 'Sentinels that must agree a master is down', schema: int(1, 1000) }),
  SENTINEL_DOWN_AFTER_MS: define({ default: '5000', doc: 'Sentinel down-after-milliseconds', schema: int(1) }),
  SENTINEL_FAILOVER_TIMEOUT_MS: define({ default: '60000', doc: 'Sentinel failover-timeout', schema: int(1) }),
  SENTINEL_PARALLEL_SYNCS: define({ default: '1', doc: 'Sentinel parallel-syncs', schema: int(1, 1000) }),
  HTTP_HOST: define({ default: '0.0.0.0', doc: 'Address the watcher\'s HTTP API listens on', schema: nonEmpty }),
  RECONCILE_INTERVAL_MS: define({ default: '10000', doc: 'How often the watcher checks ZooKeeper against the sentinels', schema: int(100) }),
  SENTINEL_CLEANUP_GRACE_MS: define({ default: '30000', doc: 'How long a sentinel must be missing from ZooKeeper before the survivors are told to forget it (SENTINEL RESET)', schema: int(0) }),
  LOG_LEVEL: define({ default: 'info', doc: 'pino log level: fatal, error, warn, info, debug, trace or silent', schema: logLevel }),
} as const;

/** PORT0 is Marathon's; each program has its own default. */
export const PORT0_DEFAULTS = { 'redis-wrapper': '6379', 'sentinel-wrapper': '26379', watcher: '8080' } as const;
export const PORT0 = (program: keyof typeof PORT0_DEFAULTS) =>
  define({ default: PORT0_DEFAULTS[program], doc: 'Port to listen on (Marathon sets it)', schema: port() });
