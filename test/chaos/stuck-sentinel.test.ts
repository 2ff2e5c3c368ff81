import test from 'ava';
import { TestEnv } from '../helpers/env';
import { FAST_SENTINEL, stopOnTeardown, waitSteady, zkMaster } from '../helpers/chaos';
import { killTask } from '../helpers/failovers';
import { recordFigures } from '../helpers/figures';
import { sentinelMasterAddr } from '../helpers/sentinel';
import { waitFor } from '../helpers/wait';
import { SteadyWriter } from '../helpers/writer';

// Sentinel stuck: it may promote no replica (replica-priority 0 on both, standing in for replicas
// it never learnt), and the master's task dies. Sentinel aborts its failover again and again
// (-failover-abort-no-good-slave); after about 2 x failover-timeout without a master the replicas
// recover by themselves: the one with the longest history becomes master under the set's lock,
// the other follows, the sentinels are re-pointed to it. 0 acknowledged writes lost.

test('Sentinel cannot promote anyone: after 2 x failover-timeout the replica with the longest history takes over', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ env: FAST_SENTINEL });
  const writer = stopOnTeardown(t, new SteadyWriter(env, d));
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 50, 20000);
  const replicas = d.redis.filter((r) => r.address !== d.master);
  for (const r of replicas) {
    const c = env.redis(r.port);
    await c.config('SET', 'replica-priority', '0');
    c.disconnect();
  }
  const master = d.redis.find((r) => r.address === d.master)!;
  const killed = Date.now();
  await killTask(master);
  // While Sentinel is stuck, the watcher says so.
  const watcher = d.watchers[0]!;
  const stuck = await waitFor(
    '/status to report the stuck failover',
    async () => {
      const s = (await (await fetch(`http://127.0.0.1:${watcher.port}/status`)).json()) as { mymaster: { problems: Array<{ kind: string }> } };
      return s.mymaster.problems.some((p) => p.kind === 'failover-stuck') ? Date.now() : undefined;
    },
    2 * Number(FAST_SENTINEL.SENTINEL_FAILOVER_TIMEOUT_MS),
    200,
  );

  const recovered = await waitFor(
    'ZooKeeper to name a recovered master',
    async () => {
      const m = await zkMaster(d);
      return m && m !== d.master ? { address: m, at: Date.now() } : undefined;
    },
    2 * Number(FAST_SENTINEL.SENTINEL_FAILOVER_TIMEOUT_MS) + 30000,
    100,
  );
  const winner = replicas.find((r) => r.address === recovered.address);
  t.truthy(winner, 'a surviving replica took over');
  // Logged right after its ZooKeeper write, which the poll above may see first.
  await winner!.proc.waitForLog(/"msg":"recovered the set: this node is its master"/, 10000);
  for (const s of d.sentinels) {
    await waitFor(`sentinel ${s.port} re-pointed`, async () => (await sentinelMasterAddr(s.port, d.name)) === recovered.address, 30000, 100);
  }
  d.redis.push(await env.start('redis-wrapper'));
  await waitSteady(env, d, { timeoutMs: 60000, replicas: 1 });
  const history = await d.dir.readHistory(d.name);
  t.true(
    history.some((e) => e.cause === 'recovery' && e.to === recovered.address),
    JSON.stringify(history),
  );
  const metrics = await (await fetch(`http://127.0.0.1:${winner!.apiPort}/metrics`)).text();
  t.regex(metrics, /^redis_zk_node_recoveries_total 1$/m);
  const figures = await writer.stop();
  recordFigures(t, 'stuck-sentinel/recovery', {
    failoverTimeoutMs: Number(FAST_SENTINEL.SENTINEL_FAILOVER_TIMEOUT_MS),
    killToStuckReportedMs: stuck - killed,
    killToRecoveredMs: recovered.at - killed,
    writeOutageMs: figures.maxOutageMs,
    acked: figures.acked,
    lost: figures.lost,
  });
  t.is(figures.lost, 0);
});
