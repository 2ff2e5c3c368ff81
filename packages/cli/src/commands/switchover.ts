import os from 'node:os';
import { type Address, askSentinels, formatAddress, handOver, readReplication, type ReplicationState, sameAddress, sentinelConsensus } from '@redis-zk/core';
import { CliError, type CliContext, EXIT } from '../context';
import { decideSwitchover } from '../decide-switchover';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const readOrNull = (a: Address): Promise<ReplicationState | null> => readReplication(a, { timeoutMs: 1000 }).catch(() => null);

/**
 * `redis-zk switchover <set> [--to host:port]`: a planned switchover with the guarantees of a
 * master's SIGTERM (core's handOver: no acknowledged write lost), refused with a reason when the
 * set is not in a state to do it safely.
 */
export async function switchoverCommand(ctx: CliContext, set: string, o: { to?: Address | undefined; timeoutMs: number }): Promise<string> {
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
  if (decision.kind === 'refuse') throw new CliError(`refused: ${decision.reason}`, decision.code === 'not-found' ? EXIT.notFound : EXIT.refused);

  // Interrupted, it would leave its work half done (writes paused for a slice, replicas ineligible
  // until their node loops give their priority back): it is let finish, bounded by the timeout.
  // SIGHUP (a dropped SSH session) too, silently: there is no terminal to tell any more.
  const onSignal = (signal: NodeJS.Signals) => {
    if (signal !== 'SIGHUP') process.stderr.write(`switchover in progress; it ends within ${Math.round(o.timeoutMs / 1000)} s\n`);
  };
  for (const sig of SIGNALS) process.on(sig, onSignal);
  try {
    const outcome = await handOver({
      dir,
      name: set,
      master: decision.master,
      announce: decision.master,
      target: o.to,
      timeoutMs: o.timeoutMs,
      log,
      by: `redis-zk on ${os.hostname()}`,
      reason: `operator's switchover${o.to ? ` to ${formatAddress(o.to)}` : ''} (redis-zk)`,
    });
    if (!outcome.ok) throw new CliError(`switchover of ${set} not done: ${outcome.reason}`, EXIT.failed);
    if (o.to && !sameAddress(outcome.promoted, o.to)) {
      throw new CliError(`switchover of ${set} done, but Sentinel promoted ${formatAddress(outcome.promoted)}, not ${formatAddress(o.to)}`, EXIT.failed);
    }
    return (
      `${set}: switched over from ${formatAddress(decision.master)} to ${formatAddress(outcome.promoted)} ` +
      `(epoch ${outcome.epoch}; writes paused ${outcome.pausedMs} ms; ${outcome.tookMs} ms in all)`
    );
  } finally {
    for (const sig of SIGNALS) process.off(sig, onSignal);
  }
}
