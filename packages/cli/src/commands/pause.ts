import os from 'node:os';
import { type Address, askSentinels, formatAddress, PAUSED_QUORUM, sleep, withSentinel } from '@redis-zk/core';
import { CliError, type CliContext, EXIT } from '../context';
import { quorumReport } from '../decide-pause';

/** How long the command waits for the sentinels to take the pause or the resume into account. */
const APPLY_WAIT_MS = 10_000;

const who = (): string => {
  let user = '';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry for the uid (a container): the host alone
  }
  return `redis-zk on ${os.hostname()}${user ? ` (${user})` : ''}`;
};

/** Asks every registered sentinel until the report is done or the wait is over; the last report. */
async function waitForSentinels(ctx: CliContext, set: string, paused: boolean, nudge?: (s: Address) => Promise<void>) {
  const until = Date.now() + APPLY_WAIT_MS;
  for (;;) {
    const sentinels = (await ctx.dir.listSentinels()).map((s) => s.address);
    const report = quorumReport(await askSentinels(sentinels, set, { timeoutMs: 1000 }), paused);
    if (report.done || Date.now() >= until) return report;
    if (nudge)
      await Promise.all(
        report.pending.map((s) => nudge(s).catch((err) => ctx.log.debug({ sentinel: formatAddress(s), err: String(err) }, 'SENTINEL SET failed'))),
      );
    await sleep(250);
  }
}

/**
 * `redis-zk pause <set> [--reason text]`: maintenance mode. Records the pause in ZooKeeper
 * (`paused/<set>`, persistent), then raises the set's quorum on every sentinel to PAUSED_QUORUM
 * (the sentinel-wrappers hold it there while the pause lasts, and a sentinel started meanwhile
 * monitors with it), and waits until the sentinels that answer hold it.
 */
export async function pauseCommand(ctx: CliContext, set: string, o: { reason: string }): Promise<string> {
  const { dir, log } = ctx;
  if (!(await dir.readMaster(set))) throw new CliError(`no replica set ${JSON.stringify(set)} in ZooKeeper`, EXIT.notFound);
  const { created, record } = await dir.pause(set, { by: who(), at: Date.now(), reason: o.reason });
  log.info({ set, created, record }, created ? 'paused' : 'already paused');
  const head = created
    ? `${set}: paused (maintenance mode): no automatic failover, fencing, re-pointing or recovery until \`redis-zk resume ${set}\``
    : `${set}: already paused since ${new Date(record.at).toISOString()} by ${record.by}${record.reason ? ` (${record.reason})` : ''}`;
  const raise = (s: Address) =>
    withSentinel(s, { timeoutMs: 1000 }, (r) => r.call('SENTINEL', 'SET', set, 'quorum', String(PAUSED_QUORUM))).then(() => undefined);
  const report = await waitForSentinels(ctx, set, true, raise);
  if (!report.done) throw new CliError(`${head}\nbut the sentinels did not all take it within ${APPLY_WAIT_MS / 1000} s: ${report.summary}`, EXIT.failed);
  return `${head}\n${report.summary}`;
}

/**
 * `redis-zk resume <set>`: ends the maintenance mode. Removes `paused/<set>`; the sentinel-wrappers
 * give the sentinels their SENTINEL_QUORUM back (they watch the node), and the command waits until
 * the sentinels that answer hold it. From then on Sentinel fails a dead master over again, and the
 * redis-wrappers act again on their next tick.
 */
export async function resumeCommand(ctx: CliContext, set: string): Promise<string> {
  const { dir, log } = ctx;
  if (!(await dir.readMaster(set))) throw new CliError(`no replica set ${JSON.stringify(set)} in ZooKeeper`, EXIT.notFound);
  const ended = await dir.resume(set);
  log.info({ set, ended }, ended ? 'resumed' : 'was not paused');
  const head = ended
    ? `${set}: resumed (paused since ${new Date(ended.at).toISOString()} by ${ended.by}): automatic failover is back`
    : `${set}: was not paused`;
  const report = await waitForSentinels(ctx, set, false);
  if (!report.done) {
    throw new CliError(
      `${head}\nbut some sentinels still hold quorum ${PAUSED_QUORUM} after ${APPLY_WAIT_MS / 1000} s: ${report.summary} ` +
        `(is their sentinel-wrapper running? SENTINEL SET ${set} quorum <SENTINEL_QUORUM> on each by hand)`,
      EXIT.failed,
    );
  }
  return `${head}\n${report.summary}`;
}
