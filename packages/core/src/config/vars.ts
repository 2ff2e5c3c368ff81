import fs from 'node:fs';
import path from 'node:path';
import {
  int,
  port,
  ms,
  ip,
  zkHosts,
  zkPath,
  masterName,
  masterNames,
  logLevel,
  text,
  aclUserName,
  yesNo,
  tlsAuthClients,
  maxmemory,
  maxmemoryPolicy,
  megabytes,
  zkAuth,
  nonEmpty,
  bytes,
} from './parsers';

export { isSetName, MAX_TIMER_MS, type MaxMemory, type ZkAuth } from './parsers';

/**
 * Every environment variable of every program, with its default and its check: the one place
 * they are defined. `README.md` documents the same table (a test keeps the two in step).
 */
export interface VarSpec<T, D extends string | undefined = string | undefined> {
  /** Default as the raw string a user would write; undefined = unset (optional). */
  readonly default?: D;
  readonly doc: string;
  readonly secret?: boolean;
  /** Turns the raw text into the value, or throws an EnvError saying what is expected. */
  readonly parse: (raw: string) => T;
}

const define = <T, D extends string | undefined = undefined>(spec: VarSpec<T, D>): VarSpec<T, D> => spec;

/**
 * Where the project's own files (conf/) are: the nearest directory above this code that holds
 * conf/redis.conf. Relative to the installed program, not the cwd, and found rather than counted
 * because this file runs from core's src/ or dist/ or inside a program's bundle. Failing that,
 * the working directory (REDIS_CONF's error then names the path it tried).
 */
let root: string | undefined;
export function projectRoot(): string {
  root ??= findUp(__dirname, path.join('conf', 'redis.conf')) ?? process.cwd();
  return root;
}

function findUp(from: string, relative: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, relative))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export const VARS = {
  ZK_HOSTS: define({ doc: 'ZooKeeper ensemble, comma list of host:port; may end with a /chroot; required (no default)', parse: zkHosts }),
  ZK_ROOT: define({ default: '/redis', doc: 'Root path of everything redis-zk keeps in ZooKeeper', parse: zkPath }),
  ZK_SESSION_TIMEOUT_MS: define({
    default: '10000',
    doc: 'ZooKeeper session timeout: how long ephemeral registrations outlive a dead task',
    parse: ms(1000, 600000),
  }),
  MASTER_NAME: define({ default: 'mymaster', doc: 'Replica set (Sentinel master name) this redis node belongs to', parse: masterName }),
  MASTER_NAMES: define({ doc: 'Comma list restricting which replica sets this Sentinel monitors (default: every set in ZooKeeper)', parse: masterNames }),
  NET_IFACE: define({ doc: 'Network interface whose IPv4 address to bind to; overrides HOST and LIBPROCESS_IP', parse: nonEmpty }),
  BIND_IP: define({ doc: 'Address to bind to; overrides NET_IFACE, HOST and LIBPROCESS_IP', parse: ip }),
  HOST: define({
    doc:
      "Set by Marathon: the agent's hostname or address; the default bind address when it is (or resolves to) an address of this host " +
      'other than loopback; when it gives only loopback, the source address of the route to ZooKeeper (fatal if that is loopback too)',
    parse: text,
  }),
  LIBPROCESS_IP: define({ doc: 'Set by the Mesos agent: its IP address; the bind address when HOST gives none', parse: text }),
  PORT1: define({
    default: '8008',
    doc: "Port of redis-wrapper's HTTP API: /primary, /replica, /readiness, /health, /liveness, /metrics (Marathon's second port)",
    parse: port(),
  }),
  ANNOUNCE_IP: define({ doc: 'Address other nodes and clients are told (default: the bind address); needed under Docker bridge networking', parse: ip }),
  ANNOUNCE_PORT: define({ doc: 'Port other nodes and clients are told (default: PORT0)', parse: port() }),
  REDIS_PASSWORD: define({
    doc: 'requirepass and masterauth of every redis node (and Sentinel auth-pass); required unless ALLOW_EMPTY_PASSWORD=yes; never logged',
    secret: true,
    parse: text,
  }),
  ALLOW_EMPTY_PASSWORD: define({
    default: 'no',
    doc:
      'yes = start without REDIS_PASSWORD (and so without any Sentinel password): ' +
      'anyone who reaches a port can read, write and reconfigure; for a quick trial only',
    parse: yesNo,
  }),
  SENTINEL_PASSWORD: define({
    doc: 'Sentinel requirepass and sentinel-pass (sentinels authenticate to each other with it) (default: REDIS_PASSWORD); never logged',
    secret: true,
    parse: text,
  }),
  REPLICATION_USER: define({
    default: 'replication',
    doc: 'Name of the redis user replicas log in to their master as (with REPLICATION_PASSWORD)',
    parse: aclUserName,
  }),
  REPLICATION_PASSWORD: define({
    doc:
      'Password of the replication user (rights: PSYNC, REPLCONF, PING): every node defines it and its replicas log in as it (masteruser, masterauth); ' +
      'unset = replicas log in as the default user with REDIS_PASSWORD; never logged',
    secret: true,
    parse: text,
  }),
  SENTINEL_AUTH_USER: define({ default: 'sentinel', doc: 'Name of the redis user Sentinel logs in to the nodes as (sentinel auth-user)', parse: aclUserName }),
  SENTINEL_AUTH_PASSWORD: define({
    doc:
      "Password of Sentinel's redis user (Redis's documented Sentinel rights): every node defines it, every sentinel logs in as it (auth-user, auth-pass); " +
      'unset = Sentinel logs in as the default user with REDIS_PASSWORD; never logged',
    secret: true,
    parse: text,
  }),
  APP_USER: define({ default: 'app', doc: "Name of the redis user for the application's clients (with APP_PASSWORD)", parse: aclUserName }),
  APP_PASSWORD: define({
    doc: "Password of the application's redis user: every data command, no administrative or dangerous one (+@all -@admin -@dangerous +info); unset = no such user; never logged",
    secret: true,
    parse: text,
  }),
  DISCOVERY_USER: define({ default: 'discovery', doc: "Name of the Sentinel user for clients' discovery (with DISCOVERY_PASSWORD)", parse: aclUserName }),
  DISCOVERY_PASSWORD: define({
    doc:
      'Password of the Sentinel user clients discover the master with (SENTINEL GET-MASTER-ADDR-BY-NAME, MASTERS, MASTER, REPLICAS, SLAVES, SENTINELS, ' +
      'SUBSCRIBE; never MONITOR, REMOVE, SET, FAILOVER, RESET, CONFIG); unset = no such user; never logged',
    secret: true,
    parse: text,
  }),
  REDIS_TLS_ENABLED: define({
    default: 'no',
    doc: 'yes = redis and Sentinel speak TLS only on PORT0 (port 0, tls-port), replication and Sentinel links use TLS, and so does every probe',
    parse: yesNo,
  }),
  REDIS_TLS_CERT_FILE: define({
    doc: 'PEM certificate of this server, also presented as client certificate (replication, Sentinel links, probes); required with TLS',
    parse: nonEmpty,
  }),
  REDIS_TLS_KEY_FILE: define({ doc: 'PEM private key of REDIS_TLS_CERT_FILE; required with TLS', parse: nonEmpty }),
  REDIS_TLS_CA_FILE: define({ doc: "PEM CA certificate(s) that peers' and clients' certificates must be signed by; required with TLS", parse: nonEmpty }),
  REDIS_TLS_AUTH_CLIENTS: define({
    default: 'yes',
    doc: 'Whether clients must present a certificate signed by REDIS_TLS_CA_FILE (redis tls-auth-clients): yes, no or optional',
    parse: tlsAuthClients,
  }),
  ZK_AUTH: define({
    doc:
      'user:password (digest): every node redis-zk creates gets an ACL giving this identity all ' +
      'rights and everyone else read only; older nodes are brought under it at start; required unless ALLOW_ANONYMOUS_ZK=yes; never logged',
    secret: true,
    parse: zkAuth,
  }),
  ALLOW_ANONYMOUS_ZK: define({
    default: 'no',
    doc:
      'yes = start without ZK_AUTH: the nodes redis-zk creates are open, and anyone who reaches ZooKeeper can rewrite discovery ' +
      '(masters, sentinels) and send clients and the nodes themselves elsewhere; for a quick trial only. With ZK_AUTH set, ACLs apply whatever this says',
    parse: yesNo,
  }),
  DATA_DIR: define({ doc: 'Writable directory for data and generated config (default: $MESOS_SANDBOX/data, else ./data)', parse: nonEmpty }),
  // Looked up when first read, not when this module loads.
  REDIS_CONF: define({
    get default() {
      return path.join(projectRoot(), 'conf', 'redis.conf');
    },
    doc: "Base redis.conf, kept whole and extended in DATA_DIR (default: the project's conf/redis.conf)",
    parse: nonEmpty,
  }),
  SENTINEL_CONF: define({
    get default() {
      return path.join(projectRoot(), 'conf', 'sentinel.conf');
    },
    doc: "Base sentinel.conf, kept whole and extended in DATA_DIR (default: the project's conf/sentinel.conf)",
    parse: nonEmpty,
  }),
  REDIS_SERVER_BIN: define({ default: 'redis-server', doc: 'redis-server executable', parse: nonEmpty }),
  REDIS_SENTINEL_BIN: define({ default: 'redis-sentinel', doc: 'redis-sentinel executable', parse: nonEmpty }),
  MASTER_WAIT_TIMEOUT_MS: define({
    default: '60000',
    doc: 'How long to wait for a usable master (redis-wrapper: a safe election; sentinel-wrapper: a registered master); 0 = forever',
    parse: ms(0),
  }),
  DATA_LOCK_WAIT_MS: define({
    default: '60000',
    doc:
      "How long redis-wrapper waits for its data directory's lock while another process that is stopping holds it (the previous task " +
      'on the agent in its kill grace period: keep it above the kill grace), then exits 1 naming the directory; a holder that is ' +
      'not stopping is not waited for (exit 1 at once); 0 = exit at once',
    parse: ms(0),
  }),
  ELECTION_DATA_WAIT_MS: define({
    default: '10000',
    doc: 'After a whole-set loss, how long an empty node waits for a node with data to come back and become master first',
    parse: ms(0),
  }),
  SWITCHOVER_TIMEOUT_MS: define({
    default: '20000',
    doc: 'On SIGTERM, how long the master waits for a Sentinel switchover before stopping anyway (0 = no switchover); keep it below the kill grace period',
    parse: ms(0),
  }),
  NEVER_PROMOTE: define({
    default: 'no',
    doc:
      'yes = this node is never made master: replica-priority 0 (Sentinel never promotes it), and the wrappers never choose it ' +
      "(election, recovery, switchover target); kept across restarts (it is the task's environment)",
    parse: yesNo,
  }),
  FAILOVER_PRIORITY: define({
    default: '100',
    doc:
      "This node's replica-priority (lower is preferred, as Sentinel reads it; written over REDIS_CONF's); the wrappers' own choices " +
      '(recovery, drain) prefer the lowest, the recovery only among equally fresh data; ignored with NEVER_PROMOTE=yes',
    parse: int(1, 2 ** 31 - 1),
  }),
  FAILOVER_MAX_LAG_BYTES: define({
    default: '0',
    doc:
      "RPO guard: the wrapper's crash failover and recovery never promote a replica further behind the old master than this " +
      "(bytes, or 16mb; 0 = no limit); Sentinel's own failover has no byte limit (docs/operate.md)",
    parse: bytes,
  }),
  REDIS_MAXMEMORY: define({
    doc:
      "Redis maxmemory: bytes (`0` = no limit), with a unit (`512mb`, `2gb`), or a share of the task's memory (`40%` of MARATHON_APP_RESOURCE_MEM) " +
      '(default: half of MARATHON_APP_RESOURCE_MEM less 128 MB for the wrapper; none outside Marathon, or when REDIS_CONF sets maxmemory)',
    parse: maxmemory,
  }),
  REDIS_MAXMEMORY_POLICY: define({
    doc: 'Redis maxmemory-policy (default: noeviction, unless REDIS_CONF sets one): a full master refuses writes instead of dropping keys',
    parse: maxmemoryPolicy,
  }),
  REDIS_NICE: define({
    default: '5',
    doc:
      "How many nice levels below redis-wrapper redis-server runs (0-19; 0 = the same): on a saturated machine the wrapper's node API and " +
      "node loop answer first (they use little CPU); the level weighs within the task's cgroup, so redis yields only to its own wrapper",
    parse: int(0, 19),
  }),
  MARATHON_APP_RESOURCE_MEM: define({ doc: "Set by Marathon: the task's memory in MB (`1024.0`), what REDIS_MAXMEMORY is derived from", parse: megabytes }),
  ROLE_CHECK_INTERVAL_MS: define({
    default: '1000',
    doc:
      "How often redis-wrapper checks its node's role against the set (re-point an orphaned replica, " +
      'demote a stale master, recover a set Sentinel left without a master) and publishes its member record',
    parse: ms(100, 60000),
  }),
  SENTINEL_QUORUM: define({ default: '2', doc: 'Sentinels that must agree a master is down', parse: int(1, 1000) }),
  SENTINEL_DOWN_AFTER_MS: define({ default: '5000', doc: 'Sentinel down-after-milliseconds', parse: ms(1) }),
  SENTINEL_FAILOVER_TIMEOUT_MS: define({ default: '60000', doc: 'Sentinel failover-timeout', parse: ms(1) }),
  SENTINEL_PARALLEL_SYNCS: define({ default: '1', doc: 'Sentinel parallel-syncs', parse: int(1, 1000) }),
  SENTINEL_INFO_PERIOD_MS: define({
    default: '1000',
    doc:
      "How often Sentinel reads each node's INFO when no failover runs (`SENTINEL DEBUG info-period`; Sentinel's own is 10000): " +
      "how soon it learns a new replica or a changed replica-priority, which a planned switchover and a new replica's readiness wait for; " +
      'not below 1000, the period Sentinel keeps during a failover, which the switchover times its command on',
    parse: ms(1000, 10000),
  }),
  HTTP_HOST: define({ default: '0.0.0.0', doc: "Address the watcher's HTTP API listens on", parse: nonEmpty }),
  RECONCILE_INTERVAL_MS: define({ default: '10000', doc: 'How often the watcher checks ZooKeeper against the sentinels', parse: ms(100) }),
  SENTINEL_CLEANUP_GRACE_MS: define({
    default: '30000',
    doc:
      'How long a sentinel must be missing from ZooKeeper before the survivors forget it: told by the watcher (SENTINEL RESET), ' +
      'or, while dead sentinels keep a set from failing over, by their sentinel-wrappers (Sentinel restarted without them)',
    parse: ms(0),
  }),
  LOG_LEVEL: define({ default: 'info', doc: 'pino log level: fatal, error, warn, info, debug, trace or silent', parse: logLevel }),
} as const;

/** PORT0 is Marathon's; each program has its own default. */
export const PORT0_DEFAULTS = { 'redis-wrapper': '6379', 'sentinel-wrapper': '26379', watcher: '8080' } as const;
export const PORT0 = (program: keyof typeof PORT0_DEFAULTS) =>
  define({ default: PORT0_DEFAULTS[program], doc: 'Port to listen on (Marathon sets it)', parse: port() });
