import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import os from 'node:os';
import type { Address } from './address';
import { ConfigError } from './config/errors';

/**
 * Where redis and Sentinel listen, and what they announce. On Mesos the task is told its agent's
 * address: Marathon sets HOST (the agent's hostname, an address on DC/OS) and the agent sets
 * LIBPROCESS_IP. BIND_IP and NET_IFACE override them (a host with several networks, a
 * hand-run program). Decided by one pure function over what was found, with a case table in
 * test/unit/bind-address.test.ts.
 */

export type BindSource = 'BIND_IP' | 'NET_IFACE' | 'HOST' | 'LIBPROCESS_IP';

export interface InterfaceAddress {
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
}

export interface BindInputs {
  readonly bindIp?: string | undefined;
  readonly netIface?: string | undefined;
  readonly host?: string | undefined;
  /** HOST looked up when it is a name (empty when it is an address, or did not resolve). */
  readonly hostAddresses: readonly string[];
  readonly libprocessIp?: string | undefined;
  /** This host's interfaces and their addresses (os.networkInterfaces()). */
  readonly interfaces: Readonly<Record<string, readonly InterfaceAddress[] | undefined>>;
}

export type BindChoice =
  | { readonly ok: true; readonly host: string; readonly source: BindSource; readonly reason: string; readonly skipped: readonly string[] }
  | { readonly ok: false; readonly problem: string };

const unspecified = (ip: string) => ip === '0.0.0.0' || ip === '::';

/** The bind address: BIND_IP, else NET_IFACE's IPv4 address, else HOST, else LIBPROCESS_IP (each only if it is an address of this host). */
export function chooseBindAddress(i: BindInputs): BindChoice {
  if (i.bindIp) return { ok: true, host: i.bindIp, source: 'BIND_IP', reason: 'BIND_IP is set', skipped: [] };
  const known = Object.keys(i.interfaces);
  if (i.netIface) {
    const v4 = i.interfaces[i.netIface]?.find((a) => a.family === 'IPv4');
    if (!v4) {
      return {
        ok: false,
        problem:
          `invalid environment variable NET_IFACE=${JSON.stringify(i.netIface)}: no IPv4 address ` +
          `on that interface (interfaces here: ${known.join(', ')}); set NET_IFACE or BIND_IP`,
      };
    }
    return { ok: true, host: v4.address, source: 'NET_IFACE', reason: `the IPv4 address of ${i.netIface}`, skipped: [] };
  }
  const local = new Set(Object.values(i.interfaces).flatMap((list) => (list ?? []).map((a) => a.address)));
  const skipped: string[] = [];
  const candidates: Array<{ source: BindSource; value: string | undefined; addresses: readonly string[] }> = [
    { source: 'HOST', value: i.host, addresses: i.host && isIP(i.host) ? [i.host] : i.hostAddresses },
    { source: 'LIBPROCESS_IP', value: i.libprocessIp, addresses: i.libprocessIp && isIP(i.libprocessIp) ? [i.libprocessIp] : [] },
  ];
  for (const c of candidates) {
    if (!c.value) continue;
    const usable = c.addresses.find((a) => !unspecified(a) && local.has(a));
    if (usable) {
      const how = usable === c.value ? 'an address of this host' : `resolves to ${usable}, an address of this host`;
      return { ok: true, host: usable, source: c.source, reason: `${c.source}=${c.value} (Mesos: the agent's address) is ${how}`, skipped };
    }
    const unresolved = isIP(c.value) ? 'is no usable address' : 'does not resolve to an address';
    const why = c.addresses.length === 0 ? unresolved : `(${c.addresses.join(', ')}) is not an address of this host`;
    skipped.push(`${c.source}=${JSON.stringify(c.value)} ${why}`);
  }
  const tried = skipped.length > 0 ? skipped.join('; ') : 'neither HOST nor LIBPROCESS_IP is set (not under Mesos)';
  return {
    ok: false,
    problem: `no address to bind: ${tried}; set BIND_IP (an address of this host) or NET_IFACE (an interface; addresses here: ${[...local].join(', ')})`,
  };
}

export interface NetworkConfig {
  BIND_IP?: string | undefined;
  NET_IFACE?: string | undefined;
  HOST?: string | undefined;
  LIBPROCESS_IP?: string | undefined;
  PORT0: number;
  ANNOUNCE_IP?: string | undefined;
  ANNOUNCE_PORT?: number | undefined;
}

export interface Endpoints {
  /** Where the server listens. */
  bind: Address;
  /** What everyone else is told (they differ behind Docker NAT). */
  announce: Address;
  /** Why this bind address, for the start-up log. */
  source: BindSource;
  reason: string;
  skipped: readonly string[];
}

/** HOST's addresses when it is a name (bounded: a slow resolver must not hold the start). */
async function resolveName(name: string | undefined, timeoutMs: number): Promise<string[]> {
  if (!name || isIP(name)) return [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), timeoutMs);
  });
  const found = lookup(name, { all: true }).then(
    (list) => list.map((a) => a.address),
    () => [],
  );
  const addresses = await Promise.race([found, timeout]);
  clearTimeout(timer);
  return addresses;
}

/** The endpoints of a redis or Sentinel task; throws a ConfigError saying what to set when there is no address. */
export async function resolveEndpoints(cfg: NetworkConfig): Promise<Endpoints> {
  const needsLookup = !cfg.BIND_IP && !cfg.NET_IFACE;
  const choice = chooseBindAddress({
    bindIp: cfg.BIND_IP,
    netIface: cfg.NET_IFACE,
    host: cfg.HOST,
    libprocessIp: cfg.LIBPROCESS_IP,
    hostAddresses: needsLookup ? await resolveName(cfg.HOST, 5000) : [],
    interfaces: os.networkInterfaces() as BindInputs['interfaces'],
  });
  if (!choice.ok) throw new ConfigError([choice.problem]);
  return {
    bind: { host: choice.host, port: cfg.PORT0 },
    announce: { host: cfg.ANNOUNCE_IP ?? choice.host, port: cfg.ANNOUNCE_PORT ?? cfg.PORT0 },
    source: choice.source,
    reason: choice.reason,
    skipped: choice.skipped,
  };
}
