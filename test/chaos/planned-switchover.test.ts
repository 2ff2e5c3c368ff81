import test from 'ava';
import { type Deployment, TestEnv } from '../helpers/env';
import { childPids, FAST_SENTINEL, stopOnTeardown, zkMaster } from '../helpers/chaos';
import { ask, sentinelMasterAddr } from '../helpers/sentinel';
import { waitFor } from '../helpers/wait';
import { recordFigures } from '../helpers/figures';
import { SteadyWriter } from '../helpers/writer';

/** SIGTERM to the master's task, as Marathon's kill does; resolves once its wrapper exited. */
async function stopMaster(d: Deployment) {
  const master = d.redis.find((r) => r.address === d.master)!;
  const stopped = Date.now();
  master.proc.kill('SIGTERM');
  const exit = await master.proc.exited;
  return { master, stopped, exit, stopMs: Date.now() - stopped };
}

test('planned restart: SIGTERM to the master switches over first; no acknowledged write lost', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy();
  const writer = new SteadyWriter(env, d);
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 50);

  const { master, stopped, exit, stopMs } = await stopMaster(d);
  t.is(exit.code, 0);
  t.regex(master.proc.log(), /switched over; the old master is now a replica/);
  const promoted = await waitFor(
    'ZooKeeper on the new master',
    async () => {
      const m = (await d.dir.readMaster('mymaster'))?.raw;
      return m && m !== d.master ? m : undefined;
    },
    30000,
  );
  // The handover ends once Sentinel's clients see the new master; SENTINEL MASTER follows when Sentinel's failover ends.
  await waitFor('Sentinel names the new master', async () => (await sentinelMasterAddr(d.sentinels[0]!.port, 'mymaster')) === promoted, 30000);
  await waitFor('writes after the switchover', () => writer.ackedSince(stopped + stopMs) > 50, 30000);
  const figures = await writer.stop();
  // Where the paused time went, as the handover logged it.
  const line = master.proc
    .log()
    .split('\n')
    .find((l) => l.includes('switched over; the old master is now a replica'));
  const steps = JSON.parse(line?.slice(line.indexOf('{')) ?? '{}') as Record<string, number>;
  recordFigures(t, 'planned-switchover', {
    wrapperStopMs: stopMs,
    writeOutageMs: figures.maxOutageMs,
    pausedMs: steps.pausedMs ?? -1,
    infoAgeMs: steps.infoAgeMs ?? -1,
    askedAfterMs: steps.askedAfterMs ?? -1,
    promotedAfterMs: steps.promotedAfterMs ?? -1,
    acked: figures.acked,
    lost: figures.lost,
  });
  t.is(figures.lost, 0);
});

test('SIGTERM to the master while Sentinel already fails over: it stops once demoted, no acknowledged write lost', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy();
  const writer = stopOnTeardown(t, new SteadyWriter(env, d));
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 50);
  await waitFor('Sentinel can fail over', async () => (await ask(d.sentinels[0]!.port, 'SENTINEL', 'FAILOVER', 'mymaster').catch(() => null)) === 'OK', 30000);

  const { master, stopped, exit, stopMs } = await stopMaster(d);
  t.is(exit.code, 0);
  t.notRegex(master.proc.log(), /switched over; the old master is now a replica/, 'no second failover of its own');
  const promoted = await waitFor('ZooKeeper on the new master', async () => ((await zkMaster(d)) !== d.master ? zkMaster(d) : undefined), 30000);
  await waitFor('writes after the failover', () => writer.ackedSince(stopped + stopMs) > 50, 30000);
  const figures = await writer.stop();
  recordFigures(t, 'planned-switchover/sentinel-failing-over', { wrapperStopMs: stopMs, writeOutageMs: figures.maxOutageMs, promoted, lost: figures.lost });
  t.is(figures.lost, 0);
});

test("an operator's SENTINEL FAILOVER of the live master: it pauses writes at Sentinel's +try-failover, no acknowledged write lost", async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy();
  const writer = stopOnTeardown(t, new SteadyWriter(env, d));
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 50);
  const master = d.redis.find((r) => r.address === d.master)!;

  await waitFor('Sentinel can fail over', async () => (await ask(d.sentinels[0]!.port, 'SENTINEL', 'FAILOVER', 'mymaster').catch(() => null)) === 'OK', 30000);
  const promoted = await waitFor('ZooKeeper on the new master', async () => ((await zkMaster(d)) !== d.master ? zkMaster(d) : undefined), 30000);
  const seen = Date.now();
  await waitFor('writes after the failover', () => writer.ackedSince(seen) > 50, 30000);
  const figures = await writer.stop();
  t.regex(master.proc.log(), /"reason":"a sentinel reported starting a failover from this master \(\+try-failover\)"/);
  recordFigures(t, 'planned-switchover/operator-failover', { writeOutageMs: figures.maxOutageMs, promoted, acked: figures.acked, lost: figures.lost });
  t.is(figures.lost, 0);
});

test('the master crashes while its wrapper waits to hand over: Sentinel fails over, priorities restored, no acknowledged write lost', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ env: FAST_SENTINEL });
  const writer = stopOnTeardown(t, new SteadyWriter(env, d));
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 50);

  const master = d.redis.find((r) => r.address === d.master)!;
  master.proc.kill('SIGTERM');
  // It has named the replica to promote and made the others ineligible: redis-server dies now.
  await waitFor('the replica to promote named', () => /"msg":"replica to promote"/.test(master.proc.log()), 20000, 20);
  for (const pid of childPids(master)) process.kill(pid, 'SIGKILL');
  const killed = Date.now();
  await master.proc.exited;
  t.notRegex(master.proc.log(), /switched over; the old master is now a replica/);
  const promoted = await waitFor('ZooKeeper on the new master', async () => ((await zkMaster(d)) !== d.master ? zkMaster(d) : undefined), 30000);
  await waitFor('writes after the failover', () => writer.ackedSince(killed) > 50, 30000);
  for (const r of d.redis.filter((x) => x !== master && x.proc.running)) {
    const [, priority] = (await ask(r.port, 'CONFIG', 'GET', 'replica-priority')) as [string, string];
    t.is(priority, '100', `${r.address}: replica-priority given back`);
  }
  const figures = await writer.stop();
  recordFigures(t, 'planned-switchover/master-crash', { writeOutageMs: figures.maxOutageMs, promoted, lost: figures.lost });
  t.is(figures.lost, 0);
});
