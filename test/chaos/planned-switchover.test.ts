import test from 'ava';
import { TestEnv } from '../helpers/env';
import { sentinelMasterAddr } from '../helpers/sentinel';
import { waitFor } from '../helpers/wait';
import { recordFigures } from '../helpers/figures';
import { SteadyWriter } from '../helpers/writer';

test('planned restart: SIGTERM to the master switches over first; no acknowledged write lost', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy();
  const writer = new SteadyWriter(env, d);
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 50);

  const master = d.redis.find((r) => r.address === d.master)!;
  const stopped = Date.now();
  master.proc.kill('SIGTERM');
  const exit = await master.proc.exited;
  const stopMs = Date.now() - stopped;
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
  t.is(await sentinelMasterAddr(d.sentinels[0]!.port, 'mymaster'), promoted);
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
