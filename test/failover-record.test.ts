import test from 'ava';
import { TestEnv } from './helpers/env';
import { childPids, FAST_SENTINEL, stopOnTeardown, waitSteady } from './helpers/chaos';
import { cli } from './helpers/cli';
import { SteadyWriter } from './helpers/writer';
import { waitFor } from './helpers/wait';
import type { HistoryEvent } from '../packages/core/src/members/history';

// The per-failover record (#29 point 4): each change of master in the history carries its write
// outage (what was measured, named) and the offset gap (bytes possibly lost), shown by
// `redis-zk history` and the watcher's metrics.

test('a crash failover and a switchover each record their write outage and offset gap; history and metrics show them', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ env: FAST_SENTINEL });
  const writer = stopOnTeardown(t, new SteadyWriter(env, d));
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 50, 20000);

  const victim = d.redis.find((r) => r.address === d.master)!;
  // The crash failover records the master's offset as its wrapper last saw it (a tick a second):
  // the kill waits until the wrapper has seen writes (its member record carries an offset).
  await waitFor(
    "the master's wrapper to have seen writes",
    async () => (await d.dir.readMemberRecords(d.name)).some((r) => `${r.address.host}:${r.address.port}` === victim.address && r.offset > 0),
    20000,
    100,
  );
  process.kill(childPids(victim)[0]!, 'SIGKILL'); // redis-server alone: its wrapper asks Sentinel at once
  const crash = await waitFor(
    'the crash failover in the history',
    async () => (await d.dir.readHistory(d.name)).find((e) => e.cause === 'crash-failover' && e.offsetGapBytes !== undefined),
    30000,
    100,
  );
  t.is(crash.outageBasis, 'death-to-promotion');
  t.true(crash.durationMs! > 0);
  t.true(crash.lastOffset! > 0 && crash.promotedOffset! > 0, JSON.stringify(crash));
  t.is(crash.offsetGapBytes, Math.max(0, crash.lastOffset! - crash.promotedOffset!));
  t.log(`crash failover: outage ${crash.durationMs} ms (${crash.outageBasis}), gap ${crash.offsetGapBytes} B`);

  d.redis.push(await env.start('redis-wrapper', FAST_SENTINEL));
  await waitSteady(env, d, { timeoutMs: 60000 });
  const run = await cli(env, 'switchover', 'mymaster', '--timeout', '30000');
  t.is(run.code, 0, run.err);
  const isSwitchover = (e: HistoryEvent) => e.cause === 'switchover' && e.offsetGapBytes !== undefined;
  const switchover = await waitFor('the switchover in the history', async () => (await d.dir.readHistory(d.name)).find(isSwitchover), 15000, 100);
  t.is(switchover.outageBasis, 'write-pause');
  t.is(switchover.offsetGapBytes, 0, 'a switchover waits for the replica to catch up: nothing possibly lost');

  const history = await cli(env, 'history', 'mymaster');
  t.is(history.code, 0, history.err);
  t.regex(history.out, /\bGAP\b/);
  t.regex(history.out, /crash-failover .*ms \(death-to-promotion\)\s+\d+ B/);
  t.regex(history.out, /switchover .*ms \(write-pause\)\s+0 B/);
  const metrics = await (await fetch(`http://127.0.0.1:${d.watchers[0]!.port}/metrics`)).text();
  t.regex(metrics, /redis_zk_last_failover_offset_gap_bytes\{set="mymaster"\} 0/);

  const figures = await writer.stop();
  t.is(figures.lost, 0, 'no acknowledged write lost');
});
