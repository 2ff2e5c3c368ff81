import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import os from 'node:os';
import type { Address } from './address';
import { ConfigError } from './config/errors';

/**
 * Where redis and Sentinel listen, and what they announce. On Mesos the task is told its agent's
 * address: Marathon sets HOST (the agent's hostname, an address on DC/OS) and the agent sets
 * LIBPROCESS_IP (not given to Docker tasks). BIND_IP and NET_IFACE override them (a host with
 * several networks, a hand-run program). A loopback address is never announced unless BIND_IP
 * says so: when HOST (or LIBPROCESS_IP) gives only loopback (a name mapped to 127.0.1.1 in
 * /etc/hosts), the address this host reaches ZooKeeper from is used, and when that is loopback
 * too the program stops naming HOST. Decided by one pure function over what was found, with a
 * case table in test/unit/bind-address.test.ts; the I/O (lookups, the route) is thin around it.
 */

/** ZK_ROUTE: the source address of this host's route towards ZooKeeper. */
export type BindSource = 'BIND_IP' | 'NET_IFACE' | 'HOST' | 'LIBPROCESS_IP' | 'ZK_ROUTE';

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
  /**
   * The route towards ZooKeeper: `to` (the first ZK_HOSTS entry) and `from`, the local address
   * a datagram socket connected there is bound to (undefined when no route was found).
   */
  readonly zkRoute?: { readonly to: string; readonly from: string | undefined } | undefined;
}

export type BindChoice =
  | { readonly ok: true; readonly host: string; readonly source: BindSource; readonly reason: string; readonly skipped: readonly string[] }
  /** routeMayHelp: HOST or LIBPROCESS_IP gave only loopback and no zkRoute was given: ask again with it. */
  | { readonly ok: false; readonly problem: string; readonly routeMayHelp?: true };

const unspecified = (ip: string) => ip === '0.0.0.0' || ip === '::';
/** 127.0.0.0/8, ::1, and IPv4-mapped 127.x: reachable from this host only. */
export const isLoopback = (ip: string) => /^127\./.test(ip) || /^::ffff:127\./i.test(ip) || ip === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(ip);

/**
 * The bind address: BIND_IP, else NET_IFACE's IPv4 address, else HOST, else LIBPROCESS_IP (each
 * only if it is an address of this host other than loopback), else, when one of these two gave
 * only loopback, the source address of the route to ZooKeeper unless it is loopback too.
 */
export function chooseBindAddress(inputs: BindInputs): BindChoice {
  if (inputs.bindIp) return { ok: true, host: inputs.bindIp, source: 'BIND_IP', reason: 'BIND_IP is set', skipped: [] };
  const known = Object.keys(inputs.interfaces);
  if (inputs.netIface) {
    const v4 = inputs.interfaces[inputs.netIface]?.find((a) => a.family === 'IPv4');
    if (!v4) {
      return {
        ok: false,
        problem:
          `invalid environment variable NET_IFACE=${JSON.stringify(inputs.netIface)}: no IPv4 address ` +
          `on that interface (interfaces here: ${known.join(', ')}); set NET_IFACE or BIND_IP`,
      };
    }
    return { ok: true, host: v4.address, source: 'NET_IFACE', reason: `the IPv4 address of ${inputs.netIface}`, skipped: [] };
  }
  const local = new Set(Object.values(inputs.interfaces).flatMap((list) => (list ?? []).map((a) => a.address)));
  const skipped: string[] = [];
  /** The variables that gave only loopback (named when the route gives none either). */
  const loopbackOnly: string[] = [];
  const candidates: Array<{ source: BindSource; value: string | undefined; addresses: readonly string[] }> = [
    { source: 'HOST', value: inputs.host, addresses: inputs.host && isIP(inputs.host) ? [inputs.host] : inputs.hostAddresses },
    { source: 'LIBPROCESS_IP', value: inputs.libprocessIp, addresses: inputs.libprocessIp && isIP(inputs.libprocessIp) ? [inputs.libprocessIp] : [] },
  ];
  for (const c of candidates) {
    if (!c.value) continue;
    // All of 127.0.0.0/8 is this host's, listed or not (Debian maps the hostname to 127.0.1.1).
    const ours = c.addresses.filter((a) => !unspecified(a) && (local.has(a) || isLoopback(a)));
    const usable = ours.find((a) => !isLoopback(a));
    if (usable) {
      const how = usable === c.value ? 'an address of this host' : `resolves to ${usable}, an address of this host`;
      return { ok: true, host: usable, source: c.source, reason: `${c.source}=${c.value} (Mesos: the agent's address) is ${how}`, skipped };
    }
    const named = `${c.source}=${JSON.stringify(c.value)}`;
    if (ours.length > 0) {
      const is = isIP(c.value) ? 'is loopback' : `resolves only to loopback (${c.addresses.join(', ')})`;
      loopbackOnly.push(`${named} ${is}`);
      skipped.push(`${named} ${is}, which other nodes cannot reach`);
      continue;
    }
    const unresolved = isIP(c.value) ? 'is no usable address' : 'does not resolve to an address';
    const why = c.addresses.length === 0 ? unresolved : `(${c.addresses.join(', ')}) is not an address of this host`;
    skipped.push(`${named} ${why}`);
  }
  const here = [...local].join(', ');
  if (loopbackOnly.length > 0) {
    const route = inputs.zkRoute;
    const from = route?.from;
    if (route && from && !unspecified(from) && !isLoopback(from) && local.has(from)) {
      return {
        ok: true,
        host: from,
        source: 'ZK_ROUTE',
        reason: `${loopbackOnly.join('; ')}: ${from}, the source address of this host's route to ZooKeeper (${route.to})`,
        skipped,
      };
    }
    const routeSays = !route
      ? 'and there is no ZooKeeper address to find a route to'
      : from
        ? `and the route to ZooKeeper (${route.to}) leaves from ${from}${isLoopback(from) ? ', loopback too' : ', not an address of this host'}`
        : `and no route to ZooKeeper (${route.to}) was found`;
    return {
      ok: false,
      ...(route ? {} : { routeMayHelp: true as const }),
      problem:
        `no address other nodes can reach: ${loopbackOnly.join('; ')}, ${routeSays}; ` +
        `set HOST to this host's address (or a name resolving to it), or BIND_IP (addresses here: ${here})`,
    };
  }
  const tried = skipped.length > 0 ? skipped.join('; ') : 'neither HOST nor LIBPROCESS_IP is set (not under Mesos)';
  return {
    ok: false,
    problem: `no address to bind: ${tried}; set BIND_IP (an address of this host) or NET_IFACE (an interface; addresses here: ${here})`,
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
  /** Where ZooKeeper is: the route towards it gives the address when HOST gives only loopback. */
  ZK_HOSTS?: string | undefined;
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

/** ZK_HOSTS's hosts in order (`h1:2181,[::1]:2181/chroot` → h1 2181, ::1 2181). */
export function zkHostList(zkHosts: string): Array<{ host: string; port: number }> {
  const slash = zkHosts.indexOf('/');
  return (slash === -1 ? zkHosts : zkHosts.slice(0, slash))
    .split(',')
    .map((h) => h.trim())
    .flatMap((h) => {
      const colon = h.lastIndexOf(':');
      if (colon <= 0) return [];
      const host = h.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
      const port = Number(h.slice(colon + 1));
      return host && Number.isInteger(port) && port > 0 && port < 65536 ? [{ host, port }] : [];
    });
}

/**
 * The local address of the route towards `host`: a datagram socket connected there (connect()
 * on UDP only picks the route and the source address; no packet is sent). Undefined when there is
 * no route or the name does not resolve in time.
 */
async function routeSource(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  const addresses = isIP(host) ? [host] : await resolveName(host, timeoutMs);
  const target = addresses[0];
  if (!target) return undefined;
  const socket = dgram.createSocket(isIP(target) === 6 ? 'udp6' : 'udp4');
  try {
    return await new Promise<string | undefined>((resolve) => {
      socket.once('error', () => resolve(undefined));
      socket.connect(port, target, () => resolve(socket.address().address));
    });
  } finally {
    socket.close();
  }
}

/** The first ZooKeeper host a route is found to (its source address), or the first host and none. */
async function zkRoute(zkHosts: string | undefined): Promise<BindInputs['zkRoute']> {
  const hosts = zkHostList(zkHosts ?? '');
  for (const h of hosts) {
    const from = await routeSource(h.host, h.port, 5000);
    if (from) return { to: `${h.host}:${h.port}`, from };
  }
  return hosts[0] ? { to: `${hosts[0].host}:${hosts[0].port}`, from: undefined } : undefined;
}

/** The endpoints of a redis or Sentinel task; throws a ConfigError saying what to set when there is no address. */
export async function resolveEndpoints(cfg: NetworkConfig): Promise<Endpoints> {
  const needsLookup = !cfg.BIND_IP && !cfg.NET_IFACE;
  const inputs: BindInputs = {
    bindIp: cfg.BIND_IP,
    netIface: cfg.NET_IFACE,
    host: cfg.HOST,
    libprocessIp: cfg.LIBPROCESS_IP,
    hostAddresses: needsLookup ? await resolveName(cfg.HOST, 5000) : [],
    interfaces: os.networkInterfaces() as BindInputs['interfaces'],
  };
  let choice = chooseBindAddress(inputs);
  // The route is looked for only when it can decide: HOST (or LIBPROCESS_IP) gave only loopback.
  if (!choice.ok && choice.routeMayHelp) {
    choice = chooseBindAddress({ ...inputs, zkRoute: await zkRoute(cfg.ZK_HOSTS) });
  }
  if (!choice.ok) throw new ConfigError([choice.problem]);
  return {
    bind: { host: choice.host, port: cfg.PORT0 },
    announce: { host: cfg.ANNOUNCE_IP ?? choice.host, port: cfg.ANNOUNCE_PORT ?? cfg.PORT0 },
    source: choice.source,
    reason: choice.reason,
    skipped: choice.skipped,
  };
}
