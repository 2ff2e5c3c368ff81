import test from 'ava';
import { type Deployment, TestEnv } from './helpers/env';
import { FAST_SENTINEL, stopOnTeardown, waitSteady, zkMaster } from './helpers/chaos';
import { cli } from './helpers/cli';
import { SteadyWriter } from './helpers/writer';
import { sentinelMaster } from './helpers/sentinel';
import { waitFor } from './helpers/wait';
import { sentinelsKnowSet } from '../packages/local-stack/src/deploy-set';

// Agent drain (#29 point 2). The loopback stack runs every node on 127.0.0.1, so each task is
// labelled with its agent as Marathon does (HOST, published in its member record): the drain
// matches that label (or the announced host). Two sets, both masters on agent-1.

const AGENTS = ['agent-1', 'agent-2', 'agent-3'];

/** Puts the set's master on its agent-1 task (a planned switchover when the election chose another). */
async function masterOnAgent1(env: TestEnv, d: Deployment): Promise<void> {
  const onAgent1 = d.redis[0]!.address;
  if ((await zkMaster(d)) === onAgent1) return;
  const r = await cli(env, 'switchover', d.name, '--to', onAgent1);
  if (r.code !== 0) throw new Error(`switchover of ${d.name} to agent-1: ${r.err}`);
  await waitSteady(env, d, { timeoutMs: 60000 });
}

test('redis-zk drain agent-1 moves both sets off it, one at a time, reports each; two WAIT-1 writers lose nothing', async (t) => {
  const env = await TestEnv.create(t);
  const redisEnv = AGENTS.map((HOST) => ({ HOST }));
  const alpha = await env.deploy({ redisEnv, env: { ...FAST_SENTINEL, MASTER_NAME: 'alpha' } });
  // The same sentinels monitor both sets (they follow every set ZooKeeper names).
  const betaOnly = await env.deploy({ redisEnv, sentinels: 0, watchers: 0, env: { ...FAST_SENTINEL, MASTER_NAME: 'beta' } });
  const beta: Deployment = { ...betaOnly, sentinels: alpha.sentinels };
  await sentinelsKnowSet(sentinelMaster, alpha.sentinels, 'beta', 2);
  for (const d of [alpha, beta]) await masterOnAgent1(env, d);

  const writers = [alpha, beta].map((d) => stopOnTeardown(t, new SteadyWriter(env, d)));
  for (const w of writers) await w.start();
  await waitFor('writes flowing to both sets', () => writers.every((w) => w.acked > 50), 20000);

  const run = await cli(env, 'drain', 'agent-1', '--json');
  t.is(run.code, 0, `${run.out}\n${run.err}`);
  const report = JSON.parse(run.out) as { host: string; sets: Array<{ set: string; outcome: string; from: string; to: string; left: boolean }> };
  t.deepEqual(
    report.sets.map((s) => [s.set, s.outcome]),
    [
      ['alpha', 'moved'],
      ['beta', 'moved'],
    ],
  );
  const agent1 = new Set([alpha.redis[0]!.address, beta.redis[0]!.address]);
  for (const [d, row] of [alpha, beta].map((d, i) => [d, report.sets[i]!] as const)) {
    t.true(agent1.has(row.from), `${d.name}: moved from its agent-1 task`);
    t.false(agent1.has(row.to), `${d.name}: moved to another agent (${row.to})`);
    t.is(await zkMaster(d), row.to, `${d.name}: ZooKeeper names the new master`);
  }
  // One set at a time: alpha's switchover was recorded before beta's began.
  const [ha, hb] = await Promise.all([alpha.dir.readHistory('alpha'), alpha.dir.readHistory('beta')]);
  const sa = ha.filter((e) => e.cause === 'switchover' && /drain of agent agent-1/.test(e.reason)).at(-1);
  const sb = hb.filter((e) => e.cause === 'switchover' && /drain of agent agent-1/.test(e.reason)).at(-1);
  t.truthy(sa && sb, 'both switchovers in the history, naming the drain');
  t.true(sa!.at < sb!.at);

  const again = await cli(env, 'drain', 'agent-1');
  t.is(again.code, 0, again.err);
  t.regex(again.out, /alpha\s+skipped\s+\S+\s+-\s+master \S+ is not on agent-1/);
  t.regex(again.out, /agent-1: no master on it \(0 moved\)/);

  const bad = await cli(env, 'drain', 'agent 1!');
  t.is(bad.code, 2, 'a bad agent name is a usage error');

  await Promise.all([alpha, beta].map((d) => waitSteady(env, d, { timeoutMs: 60000 })));
  for (const [i, w] of writers.entries()) {
    const figures = await w.stop();
    t.is(figures.lost, 0, `${['alpha', 'beta'][i]}: no acknowledged write lost`);
  }
});
