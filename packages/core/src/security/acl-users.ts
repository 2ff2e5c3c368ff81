import { createHash } from 'node:crypto';

/**
 * Least-privilege Redis ACL users, each made only when its password is given; without any, the
 * deployment runs on the default user alone (REDIS_PASSWORD), exactly as before. The default
 * user stays the administrator: the wrappers, the watcher, `redis-zk` and the health checks use
 * it, and with every user below set, nothing outside the deployment needs its password.
 *
 * On every redis node:
 * - replication: what a replica sends its master (`masteruser` + `masterauth`);
 * - sentinel: what Sentinel sends a node to monitor it and fail it over (`sentinel auth-user`,
 *   `auth-pass`): Redis's documented Sentinel rights, its hello channel only;
 * - app: the application's clients: every data command on every key and channel, none of the
 *   administrative or dangerous ones (CONFIG, REPLICAOF, SHUTDOWN, ACL, DEBUG, MODULE, …), INFO
 *   given back (ioredis checks the role it found through Sentinel with it).
 * On every sentinel:
 * - discovery: what a Sentinel client asks (where the master, replicas and sentinels are, the
 *   event channels such as +switch-master), never what changes Sentinel (MONITOR, REMOVE, SET,
 *   FAILOVER, RESET, CONFIG) nor PUBLISH (a forged hello would announce a sentinel).
 * AUTH and HELLO are open to every user in Redis; they need no right.
 */
export const ACL_RULES = {
  replication: ['-@all', '+psync', '+replconf', '+ping'],
  sentinel: [
    '-@all',
    '+ping',
    '+info',
    '+role',
    '+multi',
    '+exec',
    '+slaveof',
    '+config|rewrite',
    '+client|setname',
    '+client|kill',
    '+script|kill',
    '+subscribe',
    '+publish',
    '&__sentinel__:hello',
  ],
  app: ['~*', '&*', '+@all', '-@admin', '-@dangerous', '+info'],
  discovery: [
    '-@all',
    '+ping',
    '+role',
    '+sentinel|get-master-addr-by-name',
    '+sentinel|masters',
    '+sentinel|master',
    '+sentinel|replicas',
    '+sentinel|slaves',
    '+sentinel|sentinels',
    '+subscribe',
    '+psubscribe',
    '+unsubscribe',
    '+punsubscribe',
    '&*',
  ],
} as const;

export type AclUserKind = keyof typeof ACL_RULES;

export interface AclUser {
  readonly name: string;
  readonly password: string;
}

/** The users configured: each present only when its password was given. */
export interface AclUsers {
  readonly replication?: AclUser | undefined;
  readonly sentinel?: AclUser | undefined;
  readonly app?: AclUser | undefined;
  readonly discovery?: AclUser | undefined;
}

/** A user name as redis-zk accepts it (the config line is written unquoted). */
export const isAclUserName = (name: string): boolean => /^[A-Za-z0-9._-]{1,64}$/.test(name) && name !== 'default';

/**
 * The `user` line for one user: `reset` first (nothing inherited), the password only as its
 * SHA-256 (`#<hex>`: the file never holds it in clear), then the kind's rules.
 */
export function aclUserLine(kind: AclUserKind, user: AclUser): string {
  if (!isAclUserName(user.name)) throw new Error(`invalid ACL user name for ${kind}`);
  const hash = createHash('sha256').update(user.password, 'utf8').digest('hex');
  return ['user', user.name, 'reset', 'on', `#${hash}`, ...ACL_RULES[kind]].join(' ');
}

/** The users a redis node defines (replication, Sentinel's, the application's). */
export const redisUserLines = (u: AclUsers): string[] =>
  (['replication', 'sentinel', 'app'] as const).flatMap((kind) => (u[kind] ? [aclUserLine(kind, u[kind])] : []));

/** The users a sentinel defines (discovery). */
export const sentinelUserLines = (u: AclUsers): string[] => (u.discovery ? [aclUserLine('discovery', u.discovery)] : []);

/** The variables of the users (see config/vars.ts); a program reads those it needs. */
export interface AclUsersConfig {
  REPLICATION_USER?: string | undefined;
  REPLICATION_PASSWORD?: string | undefined;
  SENTINEL_AUTH_USER?: string | undefined;
  SENTINEL_AUTH_PASSWORD?: string | undefined;
  APP_USER?: string | undefined;
  APP_PASSWORD?: string | undefined;
  DISCOVERY_USER?: string | undefined;
  DISCOVERY_PASSWORD?: string | undefined;
}

const VARIABLES: Record<AclUserKind, { user: keyof AclUsersConfig; password: keyof AclUsersConfig; server: 'redis' | 'sentinel' }> = {
  replication: { user: 'REPLICATION_USER', password: 'REPLICATION_PASSWORD', server: 'redis' },
  sentinel: { user: 'SENTINEL_AUTH_USER', password: 'SENTINEL_AUTH_PASSWORD', server: 'redis' },
  app: { user: 'APP_USER', password: 'APP_PASSWORD', server: 'redis' },
  discovery: { user: 'DISCOVERY_USER', password: 'DISCOVERY_PASSWORD', server: 'sentinel' },
};

/**
 * The users from the variables, or the problems (never a value): a user needs the server's
 * default user to have a password (otherwise anyone is administrator and the user restricts
 * nothing), a password of its own (not the administrator's), and a name other than the other
 * users' of the same server.
 */
export function resolveAclUsers(
  cfg: AclUsersConfig,
  admin: { redisPassword: string | undefined; sentinelPassword: string | undefined },
  problems: string[],
): AclUsers {
  const out: Partial<Record<AclUserKind, AclUser>> = {};
  for (const [kind, v] of Object.entries(VARIABLES) as Array<[AclUserKind, (typeof VARIABLES)[AclUserKind]]>) {
    const password = cfg[v.password];
    if (!password) continue;
    const [adminVar, adminPassword] = v.server === 'redis' ? ['REDIS_PASSWORD', admin.redisPassword] : ['SENTINEL_PASSWORD', admin.sentinelPassword];
    if (!adminPassword) {
      problems.push(
        `${v.password} needs ${adminVar}: without it the ${v.server} default user has no password, anyone is administrator and ${v.password} restricts nothing`,
      );
      continue;
    }
    if (password === adminPassword) {
      problems.push(`${v.password} must differ from ${adminVar} (the default user's, the administrator's)`);
      continue;
    }
    out[kind] = { name: cfg[v.user] ?? kind, password };
  }
  const onRedis = (['replication', 'sentinel', 'app'] as const).filter((k) => out[k]);
  for (let i = 0; i < onRedis.length; i++)
    for (let j = i + 1; j < onRedis.length; j++)
      if (out[onRedis[i]!]!.name === out[onRedis[j]!]!.name)
        problems.push(`${VARIABLES[onRedis[i]!].user} and ${VARIABLES[onRedis[j]!].user} name the same user: each redis user needs its own name`);
  return out;
}
