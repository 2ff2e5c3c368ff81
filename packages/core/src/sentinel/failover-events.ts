import type Redis from 'ioredis';
import { type Address, addressOf, formatAddress, sameAddress } from '../address';
import type { Logger } from '../log';

/** A failover reported by a sentinel: `name`'s master is now `to`. */
export interface SwitchEvent {
  name: string;
  from: Address | null;
  to: Address;
  /** The sentinel that reported it. */
  via: Address;
  /** The Sentinel event it came from. */
  channel: FailoverChannel;
}

/**
 * The Sentinel events that name a new master. `+promoted-slave` comes from the failover's leader
 * the moment the chosen replica answers as master: from then on the failover cannot be aborted,
 * and the leader already answers `SENTINEL GET-MASTER-ADDR-BY-NAME` with the new master.
 * `+switch-master` comes later, once the other replicas are reconfigured (on the leader), or when
 * the leader's new configuration reaches each other sentinel. Following both puts the new master
 * in ZooKeeper as soon as Sentinel's clients see it; the later reports of the same failover are
 * duplicates.
 */
export const FAILOVER_CHANNELS = ['+promoted-slave', '+switch-master'] as const;
export type FailoverChannel = (typeof FAILOVER_CHANNELS)[number];

const isFailoverChannel = (channel: string): channel is FailoverChannel => (FAILOVER_CHANNELS as readonly string[]).includes(channel);

/**
 * - `+switch-master`: `<name> <old-ip> <old-port> <new-ip> <new-port>`
 * - `+promoted-slave`: `slave <ip>:<port> <ip> <port> @ <name> <old-ip> <old-port>`
 * Null when malformed, on another channel, or not a change.
 */
export function parseFailoverEvent(channel: string, message: string, via: Address): SwitchEvent | null {
  if (!isFailoverChannel(channel)) return null;
  const words = message.trim().split(/\s+/);
  let name: string | undefined;
  let from: Address | null;
  let to: Address | null;
  if (channel === '+switch-master') {
    const [n, oldIp, oldPort, newIp, newPort] = words;
    [name, from, to] = [n, addressOf(oldIp, oldPort), addressOf(newIp, newPort)];
  } else {
    const [type, , ip, port, at, n, oldIp, oldPort] = words;
    if (type !== 'slave' || at !== '@') return null;
    [name, from, to] = [n, addressOf(oldIp, oldPort), addressOf(ip, port)];
  }
  if (!name || !to) return null;
  if (from && sameAddress(from, to)) return null;
  return { name, from, to, via, channel };
}

/** The Sentinel events that mark the start of a failover, for its duration (failover-clock.ts). */
export const START_CHANNELS = ['+sdown', '+try-failover'] as const;
export type StartChannel = (typeof START_CHANNELS)[number];

/** A sign that a set's failover has begun: a sentinel took its master for down, or started a failover. */
export interface FailoverStart {
  name: string;
  channel: StartChannel;
  /** The master taken for down, or failed over from. */
  master: Address;
  /** When it was received (ms since the epoch). */
  at: number;
  /** The sentinel that reported it. */
  via: Address;
}

/** `+sdown master <name> <ip> <port>` / `+try-failover master <name> <ip> <port>`; null for replicas, sentinels and junk. */
export function parseFailoverStart(channel: string, message: string, at: number, via: Address): FailoverStart | null {
  if (!(START_CHANNELS as readonly string[]).includes(channel)) return null;
  const [type, name, ip, port] = message.trim().split(/\s+/);
  const master = addressOf(ip, port);
  if (type !== 'master' || !name || !master) return null;
  return { name, channel: channel as StartChannel, master, at, via };
}

/**
 * `+selected-slave`: the failover's leader chose the replica it promotes (it sends it REPLICAOF NO
 * ONE at once). Reported by the leader alone, about a second before `+promoted-slave`.
 */
export const SELECTED_CHANNEL = '+selected-slave';

/** The replica a failover's leader chose to promote, and the master it fails over from. */
export interface ReplicaSelected {
  name: string;
  replica: Address;
  from: Address;
  /** The sentinel that reported it (the failover's leader). */
  via: Address;
}

/** `+selected-slave`: `slave <ip>:<port> <ip> <port> @ <name> <old-ip> <old-port>`; null for junk. */
export function parseReplicaSelected(message: string, via: Address): ReplicaSelected | null {
  const [type, , ip, port, at, name, oldIp, oldPort] = message.trim().split(/\s+/);
  const replica = addressOf(ip, port);
  const from = addressOf(oldIp, oldPort);
  if (type !== 'slave' || at !== '@' || !name || !replica || !from || sameAddress(replica, from)) return null;
  return { name, replica, from, via };
}

/** What a subscription hands on besides the failovers themselves. */
export interface FailoverSignals {
  /** The signs of a failover's start. */
  onStart?: (start: FailoverStart) => void;
  /** The replica a failover's leader chose. */
  onSelected?: (selected: ReplicaSelected) => void;
}

/**
 * Subscribes `conn` (a connection to the sentinel `via`) to the failover events and hands each
 * one to `emit` (and the signals asked for in `signals`); malformed ones are logged. Resolves
 * once subscribed.
 */
export function subscribeToFailovers(
  conn: Redis,
  via: Address,
  log: Logger,
  emit: (event: SwitchEvent) => void,
  signals: FailoverSignals = {},
): Promise<unknown> {
  const { onStart, onSelected } = signals;
  conn.on('message', (channel: string, message: string) => {
    if ((START_CHANNELS as readonly string[]).includes(channel)) {
      const start = parseFailoverStart(channel, message, Date.now(), via);
      if (start) onStart?.(start);
      return;
    }
    if (channel === SELECTED_CHANNEL) {
      const selected = parseReplicaSelected(message, via);
      if (selected) onSelected?.(selected);
      else log.warn({ channel, message: message.slice(0, 200), sentinel: formatAddress(via) }, 'ignoring a malformed failover event');
      return;
    }
    const event = parseFailoverEvent(channel, message, via);
    if (event) emit(event);
    else log.warn({ channel, message: message.slice(0, 200), sentinel: formatAddress(via) }, 'ignoring a malformed failover event');
  });
  return conn.subscribe(...FAILOVER_CHANNELS, ...(onStart ? START_CHANNELS : []), ...(onSelected ? [SELECTED_CHANNEL] : []));
}
