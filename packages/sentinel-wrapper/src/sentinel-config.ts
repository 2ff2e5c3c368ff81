import { type AclUser, type AclUsers, type Address, bindLine, configLine, listenLines, sentinelUserLines, type TlsSettings } from '@redis-zk/core';

/** The monitoring settings every set gets, from the environment. */
export interface MonitorSettings {
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  parallelSyncs: number;
  /** The nodes' default user's password (REDIS_PASSWORD): Sentinel's auth-pass unless `auth` is given. */
  password: string | undefined;
  /** The user Sentinel logs in to the nodes as (SENTINEL_AUTH_USER, SENTINEL_AUTH_PASSWORD): auth-user and auth-pass. */
  auth?: AclUser | undefined;
}

/** The same settings as SENTINEL SET arguments, for sets added at run time. */
export function settingsArgs(s: MonitorSettings): string[] {
  const args = ['down-after-milliseconds', String(s.downAfterMs), 'failover-timeout', String(s.failoverTimeoutMs), 'parallel-syncs', String(s.parallelSyncs)];
  if (s.auth) args.push('auth-user', s.auth.name, 'auth-pass', s.auth.password);
  else if (s.password) args.push('auth-pass', s.password);
  return args;
}

/** Config lines for one monitored set: the file form of SENTINEL MONITOR + SENTINEL SET. */
export function monitorLines(name: string, master: Address, s: MonitorSettings): string[] {
  const args = settingsArgs(s);
  const lines = [configLine('sentinel', 'monitor', name, master.host, master.port, s.quorum)];
  for (let i = 0; i < args.length; i += 2) lines.push(configLine('sentinel', args[i]!, name, args[i + 1]!));
  return lines;
}

/** How Sentinel itself is reached: its own password and TLS (both optional), and the users it defines. */
export interface SentinelAccess {
  password?: string | undefined;
  tls?: TlsSettings | undefined;
  /** The discovery user for clients (only beside Sentinel's own password: without it anyone is administrator). */
  users?: AclUsers | undefined;
}

/**
 * Sentinel's own password: clients must AUTH (requirepass), and the sentinels, which talk to
 * each other, authenticate with it too (sentinel-pass, as the default user).
 */
function passwordLines(password: string | undefined): string[] {
  if (!password) return [];
  return [configLine('requirepass', password), configLine('sentinel', 'sentinel-pass', password)];
}

/**
 * A fresh Sentinel starts at current epoch 0, and its first failover is epoch 1. When every
 * sentinel of a deployment was replaced (a rolling restart of the app, each task in a fresh
 * sandbox), that failover's epoch is older than the one ZooKeeper already holds, and the watcher
 * rightly never moves ZooKeeper back to an older epoch: ZooKeeper kept naming the old master for
 * good (nemesis seed 976999871). Starting at ZooKeeper's newest epoch keeps Sentinel's epochs
 * ahead of the record; the other sentinels adopt the higher epoch from its hello messages.
 */
function epochLines(currentEpoch: number | undefined): string[] {
  return currentEpoch && currentEpoch > 0 ? [configLine('sentinel', 'current-epoch', currentEpoch)] : [];
}

/** The lines the wrapper adds to the base sentinel.conf. */
export function sentinelConfigLines(o: {
  bind: Address;
  announce: Address;
  dataDir: string;
  sets: ReadonlyMap<string, Address>;
  settings: MonitorSettings;
  access?: SentinelAccess;
  /** ZooKeeper's newest config epoch for the sets (epochLines). */
  currentEpoch?: number;
}): string[] {
  return [
    bindLine(o.bind.host),
    ...listenLines(o.bind.port, o.access?.tls),
    configLine('dir', o.dataDir),
    configLine('daemonize', 'no'),
    ...passwordLines(o.access?.password),
    ...(o.access?.password ? sentinelUserLines(o.access.users ?? {}) : []),
    configLine('sentinel', 'announce-ip', o.announce.host),
    configLine('sentinel', 'announce-port', o.announce.port),
    ...epochLines(o.currentEpoch),
    ...[...o.sets].flatMap(([name, master]) => monitorLines(name, master, o.settings)),
  ];
}
