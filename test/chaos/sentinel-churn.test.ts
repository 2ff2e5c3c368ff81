import test from 'ava';
import { FAST_SENTINEL } from '../../packages/local-stack/src/harness';
import { liveRedis } from '../helpers/chaos';
import { type Task, TestEnv } from '../helpers/env';
import { killTask, waitForSentinelSwitch } from '../helpers/failovers';
import { recordFigures } from '../helpers/figures';
import { ask } from '../helpers/sentinel';
import { waitFor } from '../helpers/wait';

// #25's sentinel churn: sentinels that joined and died (tasks killed and replaced on new ports)
// until the live sentinels remember as many dead ones as there are live ones, then the master's
// task is killed.
// Sentinel never forgets a peer, so a failover's leader would need 4 votes of the 6 sentinels
// known with 3 alive, for ever; the watcher's SENTINEL RESET cannot help while the master is dead
// (a reset Sentinel re-learns replicas from the master's INFO). Each sentinel-wrapper restarts its
// Sentinel without the dead (plan-forget.ts), and the set fails over.

const GRACE_MS = 3000;

/** How many other sentinels `s` counts for the set. */
const peersKnown = async (s: Task): Promise<number> => ((await ask(s.port, 'SENTINEL', 'SENTINELS', 'mymaster').catch(() => [])) as unknown[]).length;

test.serial('dead sentinels outnumbering the live ones while the master is dead: the set still fails over', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 0, env: { SENTINEL_CLEANUP_GRACE_MS: String(GRACE_MS) } });
  const sentinels = d.sentinels;
  // Three more sentinels join, are heard by the first three, and die (tasks killed, never back on their ports).
  const extra = await Promise.all([1, 2, 3].map(() => env.start('sentinel-wrapper', { ...FAST_SENTINEL, SENTINEL_CLEANUP_GRACE_MS: String(GRACE_MS) })));
  await waitFor(
    'the first three sentinels to know all five others',
    async () => (await Promise.all(sentinels.map(peersKnown))).every((n) => n === 5),
    40_000,
    200,
  );
  await Promise.all(extra.map(killTask));
  t.deepEqual(await Promise.all(sentinels.map(peersKnown)), [5, 5, 5], 'each live sentinel still counts the three dead ones');

  const master = liveRedis(d).find((r) => r.address === d.master)!;
  const killedAt = Date.now();
  await killTask(master);
  const promoted = await waitForSentinelSwitch(env, sentinels, d.name, d.master, 60_000);
  const tookMs = Date.now() - killedAt;
  t.log(`master killed; ${promoted} promoted after ${tookMs} ms`);
  t.not(promoted, d.master);
  t.true(
    sentinels.some((s) => s.proc.log().includes('Sentinel restarted without dead sentinels')),
    'a sentinel-wrapper restarted its Sentinel without the dead',
  );
  for (const s of sentinels) t.true(s.proc.running, `${s.proc.label} runs on`);
  recordFigures(t, 'sentinel-churn/failover-with-dead-sentinels', { killToPromotedMs: tookMs });
});
