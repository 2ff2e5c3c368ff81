import os from 'node:os';
import { type Address, askSentinels, formatAddress, handOver, readReplication, type ReplicationState, sameAddress, sentinelConsensus } from '@redis-zk/core';
import { CliError, type CliContext, EXIT } from '../context';
import { decideSwitchover } from '../decide-switchover';

const readOrNull = (a: Address): Promise<ReplicationState | null> => readReplication(a, { timeoutMs: 1000 }).catch(() => null);

/** What one set's planned switchover came to. */
export type SwitchResult =
  | { readonly kind: 'done'; readonly from: Address; readonly to: Address; readonly epoch: number; readonly pausedMs: number; readonly tookMs: number }
  | { readonly kind: 'refused'; readonly code: 'not-found' | 'unsafe'; readonly reason: string }
  /** promoted: the switchover happened, but Sentinel promoted another replica than the one asked for. */
  | { readonly kind: 'failed'; readonly from: Address; readonly reason: string; readonly promoted?: Address };

/**
 * One set's planned switchover, the one path behind `redis-zk switchover` and `redis-zk drain`:
 * refused with a reason when the set is not in a state to do it safely (decideSwitchover), else
 * core's handOver (the guarantees of a master's SIGTERM: no acknowledged write lost).
 */
export async function switchSet(ctx: CliContext, set: string, o: { to?: Address | undefined; timeoutMs: number; why?: string }): Promise<SwitchResult> {
  const { dir, log } = ctx;
  const [{ master: reg, sentinels }, paused] = await Promise.all([dir.readSet(set), dir.readPause(set)]);
  const addresses = sentinels.map((s) => s.address);
  const [master, views, targetState] = await Promise.all([
    reg?.address ? readOrNull(reg.address) : null,
    askSentinels(addresses, set, { timeoutMs: 1000 }),
    o.to ? readOrNull(o.to) : undefined,
  ]);
  const decision = decideSwitchover({
    set,
    known: reg !== null,
    registered: reg?.address ?? null,
    master,
    consensus: sentinelConsensus(views),
    sentinelsRegistered: addresses.length,
    target: o.to,
    targetState,
    paused,
  });
  if (decision.kind === 'refuse') return { kind: 'refused', code: decision.code, reason: decision.reason };
  const outcome = await handOver({
    dir,
    name: set,
    master: decision.master,
    announce: decision.master,
    target: o.to,
    timeoutMs: o.timeoutMs,
    log,
    by: `redis-zk on ${os.hostname()}`,
    reason: `${o.why ?? "operator's switchover"}${o.to ? ` to ${formatAddress(o.to)}` : ''} (redis-zk)`,
  });
  if (!outcome.ok && outcome.busy) return { kind: 'refused', code: 'unsafe', reason: outcome.reason };
  if (!outcome.ok) return { kind: 'failed', from: decision.master, reason: outcome.reason };
  if (o.to && !sameAddress(outcome.promoted, o.to)) {
    const reason = `Sentinel promoted ${formatAddress(outcome.promoted)}, not ${formatAddress(o.to)}`;
    return { kind: 'failed', from: decision.master, reason, promoted: outcome.promoted };
  }
  return { kind: 'done', from: decision.master, to: outcome.promoted, epoch: outcome.epoch, pausedMs: outcome.pausedMs, tookMs: outcome.tookMs };
}

/** `redis-zk switchover <set> [--to host:port]`: switchSet, its outcome as one line or a CliError. */
export async function switchoverCommand(ctx: CliContext, set: string, o: { to?: Address | undefined; timeoutMs: number }): Promise<string> {
  const r = await switchSet(ctx, set, o);
  if (r.kind === 'refused') throw new CliError(`refused: ${r.reason}`, r.code === 'not-found' ? EXIT.notFound : EXIT.refused);
  if (r.kind === 'failed') {
    throw new CliError(r.promoted ? `switchover of ${set} done, but ${r.reason}` : `switchover of ${set} not done: ${r.reason}`, EXIT.failed);
  }
  return `${set}: switched over from ${formatAddress(r.from)} to ${formatAddress(r.to)} (epoch ${r.epoch}; writes paused ${r.pausedMs} ms; ${r.tookMs} ms in all)`;
}
