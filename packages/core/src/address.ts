import os from 'node:os';
import { isIP } from 'node:net';
import { ConfigError } from './config/errors';

export interface Address {
  readonly host: string;
  readonly port: number;
}

export const formatAddress = (a: Address): string =>
  isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;

/** Exactly host and port, whatever else an object carries: what is served and sent. */
export const hostPort = (a: Address): Address => ({ host: a.host, port: a.port });

export const sameAddress = (a: Address | null | undefined, b: Address | null | undefined): boolean =>
  !!a && !!b && a.host === b.host && a.port === b.port;

/** Parses `host:port` (or `[v6]:port`); null for anything else, so callers can log the raw text. */
export function parseAddress(text: string | undefined | null): Address | null {
  if (!text) return null;
  const m = /^\s*(?:\[([^\]]+)\]|([^:\s[\]]+)):(\d{1,5})\s*$/.exec(text);
  if (!m) return null;
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (!host || port < 1 || port > 65535) return null;
  if (m[1] !== undefined && isIP(m[1]) !== 6) return null; // brackets are for IPv6 only
  return { host, port };
}

/**
 * An address Redis or Sentinel gives as separate host and port (INFO's master_host/master_port,
 * SENTINEL replies, Pub/Sub events), where an IPv6 host comes without brackets; null if invalid.
 */
export function addressOf(host: unknown, port: unknown): Address | null {
  if (typeof host !== 'string' && typeof host !== 'number') return null;
  const h = String(host);
  return parseAddress(isIP(h) === 6 ? `[${h}]:${String(port)}` : `${h}:${String(port)}`);
}

/** BIND_IP wins; otherwise the first IPv4 address of NET_IFACE. */
export function resolveBindIp(opts: { bindIp?: string; netIface: string }): string {
  if (opts.bindIp) return opts.bindIp;
  const addrs = os.networkInterfaces()[opts.netIface];
  const v4 = addrs?.find((a) => a.family === 'IPv4');
  if (!v4) {
    const known = Object.keys(os.networkInterfaces()).join(', ');
    throw new ConfigError([
      `invalid environment variable NET_IFACE=${JSON.stringify(opts.netIface)}: no IPv4 address on that interface (interfaces here: ${known}); set NET_IFACE or BIND_IP`,
    ]);
  }
  return v4.address;
}

export interface NetworkConfig {
  BIND_IP?: string | undefined;
  NET_IFACE: string;
  PORT0: number;
  ANNOUNCE_IP?: string | undefined;
  ANNOUNCE_PORT?: number | undefined;
}

/** Where the server listens, and what everyone else is told (they differ behind Docker NAT). */
export function resolveEndpoints(cfg: NetworkConfig): { bind: Address; announce: Address } {
  const bindHost = resolveBindIp({ bindIp: cfg.BIND_IP, netIface: cfg.NET_IFACE });
  return {
    bind: { host: bindHost, port: cfg.PORT0 },
    announce: { host: cfg.ANNOUNCE_IP ?? bindHost, port: cfg.ANNOUNCE_PORT ?? cfg.PORT0 },
  };
}
