import { isIP } from 'node:net';
import { EnvError } from 'envalid';

/** The checks of the environment variables (vars.ts): each turns raw text into a value or throws an EnvError saying what is expected. */

export const expect = (ok: boolean, what: string) => {
  if (!ok) throw new EnvError(what);
};

export const int =
  (min: number, max: number) =>
  (raw: string): number => {
    const text = raw.trim();
    const n = Number(text);
    expect(/^\d+$/.test(text) && n >= min && n <= max, `must be a whole number from ${min} to ${max}`);
    return n;
  };

export const port = () => int(1, 65535);

/** Node's timers take at most 2^31-1 ms (about 24.8 days); above it they fire at once (a busy loop). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** A duration in milliseconds: a whole number from `min` to MAX_TIMER_MS (or less). */
export const ms =
  (min: number, max = MAX_TIMER_MS) =>
  (raw: string): number => {
    const text = raw.trim();
    const n = Number(text);
    expect(
      /^\d+$/.test(text) && n >= min && n <= max,
      `must be a whole number of milliseconds from ${min} to ${max}${max === MAX_TIMER_MS ? " (Node's timers fire at once above it)" : ''}`,
    );
    return n;
  };

export const ip = (raw: string): string => {
  expect(isIP(raw.trim()) !== 0, 'must be an IPv4 or IPv6 address');
  return raw.trim();
};

export const isHostPort = (s: string) => {
  const m = /^[A-Za-z0-9.\-_[\]:]+:(\d{1,5})$/.exec(s);
  return !!m && Number(m[1]) >= 1 && Number(m[1]) <= 65535;
};

/**
 * A ZooKeeper path below which redis-zk keeps its nodes (ZK_ROOT, a chroot): segments of letters,
 * digits, ".", "_" and "-", none of them "." or containing "..", not below ZooKeeper's own /zookeeper.
 */
export const isZkPath = (p: string) =>
  /^(\/[A-Za-z0-9._-]+)+$/.test(p) &&
  p
    .split('/')
    .slice(1)
    .every((seg) => seg !== '.' && !seg.includes('..')) &&
  p.split('/')[1] !== 'zookeeper';
export const PATH_RULE = 'segments of letters, digits, ".", "_" or "-", none "." or with "..", not under /zookeeper';

/** `h1:2181,h2:2181[/chroot]`: node-zookeeper-client takes the chroot at the end. */
export const zkHosts = (raw: string): string => {
  const s = raw.trim();
  const slash = s.indexOf('/');
  const hosts = slash === -1 ? s : s.slice(0, slash);
  const chroot = slash === -1 ? '' : s.slice(slash);
  expect(
    hosts.split(',').every((h) => isHostPort(h.trim())) && (chroot === '' || isZkPath(chroot)),
    `must be a comma list of host:port, optionally followed by a /chroot (${PATH_RULE})`,
  );
  return s;
};

export const zkPath = (raw: string): string => {
  expect(isZkPath(raw.trim()), `must be an absolute ZooKeeper path such as /redis (no trailing slash; ${PATH_RULE})`);
  return raw.trim();
};

/**
 * A replica set's name: a ZooKeeper node's name (masters/<name>) and Sentinel's master name, which
 * SENTINEL RESET takes as a glob: letters, digits, ".", "_" and "-" only, not "." and no "..".
 */
export const isSetName = (n: string) => /^[A-Za-z0-9._-]+$/.test(n) && n !== '.' && !n.includes('..');
export const SET_NAME_RULE = 'letters, digits, ".", "_" or "-" (not "." and no "..")';
export const masterName = (raw: string): string => {
  expect(isSetName(raw.trim()), `must be ${SET_NAME_RULE}`);
  return raw.trim();
};

export const masterNames = (raw: string): string[] => {
  const names = raw
    .trim()
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  expect(names.length > 0 && names.every(isSetName), `must be a comma list of names made of ${SET_NAME_RULE}`);
  return names;
};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const logLevel = (raw: string): (typeof LOG_LEVELS)[number] => {
  const level = raw.trim() as (typeof LOG_LEVELS)[number];
  expect(LOG_LEVELS.includes(level), `must be one of ${LOG_LEVELS.join(', ')}`);
  return level;
};

export const text = (raw: string): string => raw;

/** A Redis ACL user name: written unquoted in a `user` line; `default` is the administrator's. */
export const aclUserName = (raw: string): string => {
  const v = raw.trim();
  expect(/^[A-Za-z0-9._-]{1,64}$/.test(v) && v !== 'default', 'must be 1 to 64 letters, digits, ".", "_" or "-", and not "default" (the administrator)');
  return v;
};

/** `yes` or `no`, exactly: the health-check commands test the same text in the shell. */
export const yesNo = (raw: string): boolean => {
  const v = raw.trim();
  expect(v === 'yes' || v === 'no', 'must be yes or no');
  return v === 'yes';
};

export const TLS_AUTH_CLIENTS = ['yes', 'no', 'optional'] as const;
export const tlsAuthClients = (raw: string): (typeof TLS_AUTH_CLIENTS)[number] => {
  const v = raw.trim() as (typeof TLS_AUTH_CLIENTS)[number];
  expect(TLS_AUTH_CLIENTS.includes(v), `must be one of ${TLS_AUTH_CLIENTS.join(', ')}`);
  return v;
};

/** Redis maxmemory as given: bytes, or a share of the task's memory. */
export type MaxMemory = { readonly bytes: number } | { readonly percent: number };
export const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
export const maxmemory = (raw: string): MaxMemory => {
  const v = raw.trim().toLowerCase();
  const share = /^(\d{1,3}(?:\.\d+)?)%$/.exec(v);
  if (share) {
    const percent = Number(share[1]);
    expect(percent > 0 && percent <= 100, 'a share must be above 0% and at most 100%');
    return { percent };
  }
  const size = /^(\d{1,15})(b|kb|mb|gb)?$/.exec(v);
  expect(!!size, 'must be bytes (0 = no limit), a size such as 512mb or 2gb, or a share such as 40%');
  const bytes = Number(size![1]) * UNITS[size![2] ?? '']!;
  expect(bytes <= Number.MAX_SAFE_INTEGER, `must be at most ${Number.MAX_SAFE_INTEGER} bytes (8 PB)`);
  return { bytes };
};

export const MAXMEMORY_POLICIES = [
  'noeviction',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
] as const;
export const maxmemoryPolicy = (raw: string): (typeof MAXMEMORY_POLICIES)[number] => {
  const v = raw.trim() as (typeof MAXMEMORY_POLICIES)[number];
  expect(MAXMEMORY_POLICIES.includes(v), `must be one of ${MAXMEMORY_POLICIES.join(', ')}`);
  return v;
};

/** Marathon's MARATHON_APP_RESOURCE_MEM: megabytes as Scala prints a Double (`1024.0`). */
export const megabytes = (raw: string): number => {
  const v = raw.trim();
  expect(/^\d{1,9}(?:\.\d+)?$/.test(v) && Number(v) > 0, 'must be a positive number of megabytes, such as 1024.0');
  return Number(v);
};

/** ZooKeeper digest credentials: `user:password` (ZooKeeper splits at the first colon). */
export interface ZkAuth {
  readonly user: string;
  readonly password: string;
}
export const zkAuth = (raw: string): ZkAuth => {
  const i = raw.indexOf(':');
  expect(i > 0 && i < raw.length - 1 && raw.trim() === raw, 'must be user:password (digest scheme), both non-empty, no surrounding spaces');
  return { user: raw.slice(0, i), password: raw.slice(i + 1) };
};
export const nonEmpty = (raw: string): string => {
  expect(raw.trim().length > 0, 'must not be empty');
  return raw.trim();
};

/** A byte count: a whole number, or with a unit (`512kb`, `16mb`, `1gb`). */
export const bytes = (raw: string): number => {
  const size = /^(\d{1,15})(b|kb|mb|gb)?$/.exec(raw.trim().toLowerCase());
  expect(!!size, 'must be a whole number of bytes, or a size such as 512kb, 16mb or 1gb');
  const n = Number(size![1]) * UNITS[size![2] ?? '']!;
  expect(n <= Number.MAX_SAFE_INTEGER, `must be at most ${Number.MAX_SAFE_INTEGER} bytes (8 PB)`);
  return n;
};
