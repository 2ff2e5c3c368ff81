import { isIP } from 'node:net';

export interface Address {
  readonly host: string;
  readonly port: number;
}

export const formatAddress = (a: Address): string => (isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

/** Exactly host and port, whatever else an object carries: what is served and sent. */
export const hostPort = (a: Address): Address => ({ host: a.host, port: a.port });

/**
 * The order sentinels are listed in everywhere (`/sentinels`, ZooKeeper reads): by host, then
 * port. Clients ask their sentinels in list order; the switchover relies on it (leaderFirst).
 */
export const byAddress = (a: Address, b: Address): number => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.port - b.port);

export const sameAddress = (a: Address | null | undefined, b: Address | null | undefined): boolean => !!a && !!b && a.host === b.host && a.port === b.port;

/** A DNS name as RFC 1123 has it: labels of letters, digits and inner hyphens, at most 253 characters. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * A host an address may name: an IPv4 or IPv6 address, or a DNS name. Anything else (a `#`, a
 * `${VAR}`, a glob, control characters) never reaches a generated file, a command or a terminal.
 * All-digit dotted names that are not IPv4 addresses (`999.1.1.1`) are refused too.
 */
export function isHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  return HOST_NAME.test(host) && !/^[\d.]+$/.test(host);
}

/** Parses `host:port` (or `[v6]:port`); null for anything else, so callers can log the raw text. */
export function parseAddress(text: string | undefined | null): Address | null {
  if (!text) return null;
  const m = /^\s*(?:\[([^\]]+)\]|([^:\s[\]]+)):(\d{1,5})\s*$/.exec(text);
  if (!m) return null;
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (!host || port < 1 || port > 65535) return null;
  if (m[1] !== undefined && isIP(m[1]) !== 6) return null; // brackets are for IPv6 only
  if (!isHost(host)) return null;
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
