import os from 'node:os';
import { type Address, askSentinels, formatAddress, handOver, readReplication, type ReplicationState, sameAddress, sentinelConsensus } from '@redis-zk/core';
import { CliError, type CliContext, EXIT } from '../context';
import { decideSwitchover } from '../decide-switchover';

const readOrNull = (a: Address): Promise<ReplicationState | null> => readReplication(a, { timeoutMs: 1000 }).catch(() => null);

/**
 * `redis-zk switchover <set> [--to host:port]`: a planned switchover with the guarantees of a
 * master's SIGTERM (core's handOver: no acknowledged write lost), refused with a reason when the
 * set is not in a state to do it safely.
 */
export async function switchoverCommand(ctx: CliContext, set: string, o: { to?: Address | undefined; timeoutMs: number }): Promise<string> {
  const { dir, log } = ctx;
  const { master: reg, sentinels } = await dir.readSet(set);
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
  });
  if (decision.kind === 'refuse') throw new CliError(`refused: ${decision.reason}`, decision.code === 'not-found' ? EXIT.notFound : EXIT.refused);

  // Interrupting would leave writes paused (until the pause's own bound) or replicas made
  // ineligible: the switchover is bounded by the timeout, so it is let finish.
  const onSignal = () => process.stderr.write(`switchover in progress; it ends within ${Math.round(o.timeoutMs / 1000)} s\n`);
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
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
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}
