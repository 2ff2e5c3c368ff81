import { type Address, bindLine, configLine } from '@redis-zk/core';

/** The monitoring settings every set gets, from the environment. */
export interface MonitorSettings {
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  parallelSyncs: number;
  password: string | undefined;
}

/** The same settings as SENTINEL SET arguments, for sets added at run time. */
export function settingsArgs(s: MonitorSettings): string[] {
  const args = [
    'down-after-milliseconds', String(s.downAfterMs),
    'failover-timeout', String(s.failoverTimeoutMs),
    'parallel-syncs', String(s.parallelSyncs),
  ];
  if (s.password) args.push('auth-pass', s.password);
  return args;
}

/** Config lines for one monitored set: the file form of SENTINEL MONITOR + SENTINEL SET. */
export function monitorLines(name: string, master: Address, s: MonitorSettings): string[] {
  const args = settingsArgs(s);
  const lines = [configLine('sentinel', 'monitor', name, master.host, master.port, s.quorum)];
  for (let i = 0; i < args.length; i += 2) lines.push(configLine('sentinel', args[i]!, name, args[i + 1]!));
  return lines;
}

/** The lines the wrapper adds to the base sentinel.conf. */
export function sentinelConfigLines(o: { bind: Address; announce: Address; dataDir: string; sets: ReadonlyMap<string, Address>; settings: MonitorSettings }): string[] {
  return [
    bindLine(o.bind.host),
    configLine('port', o.bind.port),
    configLine('dir', o.dataDir),
    configLine('daemonize', 'no'),
    configLine('sentinel', 'announce-ip', o.announce.host),
    configLine('sentinel', 'announce-port', o.announce.port),
    ...[...o.sets].flatMap(([name, master]) => monitorLines(name, master, o.settings)),
  ];
}
