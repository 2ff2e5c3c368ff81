import { InvalidArgumentError } from 'commander';
import { type Address, parseAddress } from '@redis-zk/core';

/** The CLI's argument parsers: each names what it expects, so a bad argument is a usage error that says why. */

const SET_NAME = /^[A-Za-z0-9._-]+$/;

export const setName = (value: string): string => {
  if (!SET_NAME.test(value)) throw new InvalidArgumentError('a replica set name is letters, digits, ".", "_" or "-"');
  return value;
};
export const address = (value: string): Address => {
  const a = parseAddress(value);
  if (!a) throw new InvalidArgumentError('expected host:port, e.g. 10.0.0.5:6379');
  return a;
};
export const positive = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number above 0');
  return Number(value);
};
/** An agent as Marathon names it: a hostname or an IPv4/IPv6 address. */
export const agentHost = (value: string): string => {
  if (!/^[A-Za-z0-9._:-]{1,253}$/.test(value)) throw new InvalidArgumentError('an agent hostname or address: letters, digits, ".", "-", "_" or ":"');
  return value;
};
export const socketPath = (value: string): string => {
  if (!/^[A-Za-z0-9/._-]+$/.test(value)) throw new InvalidArgumentError('a path of letters, digits and "/._-" only (it goes into the HAProxy configuration)');
  return value;
};
/** A switchover's whole time: writes may be paused for part of it, so it is bounded. */
export const MAX_SWITCHOVER_TIMEOUT_MS = 300_000;
export const timeout = (value: string): number => {
  const ms = positive(value);
  if (ms > MAX_SWITCHOVER_TIMEOUT_MS) throw new InvalidArgumentError(`at most ${MAX_SWITCHOVER_TIMEOUT_MS} (5 minutes)`);
  return ms;
};
