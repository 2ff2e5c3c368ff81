import test from 'ava';
import { TestEnv } from '../helpers/env';
import { recordFigures } from '../helpers/figures';
import { SteadyWriter } from '../helpers/writer';
import { sleep, waitFor } from '../helpers/wait';
import { FAST_DOWN_AFTER_MS, FAST_SENTINEL, portOf, replication, stopOnTeardown, unsettled, waitSteady, zkMaster } from '../helpers/chaos';
import { sentinelMasterAddr } from '../helpers/sentinel';

// A replica is promoted while the master is frozen; once resumed, the old master rejoins as its replica.
test('the master task frozen (SIGSTOP) for 3x down-after, then resumed: a replica promoted, no acknowledged write lost', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ env: FAST_SENTINEL });
  const writer = stopOnTeardown(t, new SteadyWriter(env, d));
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 50, 20000);

  const old = d.redis.find((r) => r.address === d.master)!;
  const frozeAt = Date.now();
  const atFreeze = writer.ackedSince(frozeAt);
  old.proc.killGroup('SIGSTOP'); // the whole task: wrapper and redis-server, as a partitioned or frozen host
  // ZooKeeper is watched from the freeze on: the failover may reach it while the master is frozen.
  const promotedP = waitFor(
    'ZooKeeper to name a new master',
    async () => {
      const m = await zkMaster(d);
      return m && m !== d.master ? { address: m, at: Date.now() } : undefined;
    },
    3 * FAST_DOWN_AFTER_MS + 30000,
    20,
  );
  const writesBackP = waitFor(
    'acknowledged writes after the freeze',
    () => (writer.ackedSince(frozeAt) > atFreeze ? Date.now() : undefined),
    3 * FAST_DOWN_AFTER_MS + 60000,
    10,
  );
  for (const p of [promotedP, writesBackP]) p.catch(() => undefined); // awaited below
  await sleep(3 * FAST_DOWN_AFTER_MS);
  // What Sentinel did while the master was away (informational: it may still be mid-failover).
  const sentinelDuringFreeze = await sentinelMasterAddr(d.sentinels[0]!.port, d.name);
  const zkDuringFreeze = await zkMaster(d);
  const resumedAt = Date.now();
  old.proc.killGroup('SIGCONT');
  // What a proxy checking /primary sees of the resumed master: never a pass, not even at once.
  let checking = true;
  const primaryAnswers: number[] = [];
  const checks = (async () => {
    while (checking) {
      const res = await fetch(`http://127.0.0.1:${old.apiPort}/primary`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
      primaryAnswers.push(res?.status ?? 0);
      await sleep(20);
    }
  })();

  const promoted = await promotedP;
  t.true(
    d.redis.some((r) => r.address === promoted.address && r !== old),
    'a replica was promoted',
  );

  // The old master comes back as a replica of the new one.
  const demotedAt = await waitFor(
    `${old.address} to become a replica of the new master`,
    async () => {
      const r = await replication(old.port);
      const current = await zkMaster(d);
      return r?.get('role') === 'slave' && current && Number(r.get('master_port')) === portOf(current) ? Date.now() : undefined;
    },
    30000,
    50,
  );
  const firstAckAfter = await writesBackP;
  checking = false;
  await checks;
  t.false(primaryAnswers.includes(200), `the resumed master passed /primary: ${primaryAnswers.join(',')}`);
  t.true(primaryAnswers.filter((x) => x === 503).length > 0, 'its /primary answered 503');
  const fenced = /"msg":"demoted this stale master to a replica"/.test(old.proc.log());

  const master = await waitSteady(env, d, { timeoutMs: 60000 });
  t.not(master, old.address, 'the frozen node is not master again');
  t.true(old.proc.running, 'the frozen task kept running once resumed');
  const oldRepl = await replication(old.port);
  t.is(oldRepl?.get('role'), 'slave');
  t.is(Number(oldRepl?.get('master_port')), portOf(master), "the old master replicates from ZooKeeper's master");
  t.is(await env.role(portOf(master)), 'master', 'ZooKeeper names a node that answers as master');
  t.is(await unsettled(env, d), undefined);

  const settledAt = Date.now();
  await waitFor('writes after the deployment settled', () => writer.ackedSince(settledAt) > 50, 30000);
  const figures = await writer.stop();
  recordFigures(t, 'partition', {
    freezeMs: resumedAt - frozeAt,
    promotedDuringFreeze: sentinelDuringFreeze !== d.master ? 'yes' : 'no',
    zkUpdatedDuringFreeze: zkDuringFreeze !== d.master ? 'yes' : 'no',
    zkUpdatedAfterFreezeMs: promoted.at - frozeAt,
    oldMasterDemotedAfterResumeMs: demotedAt - resumedAt,
    demotedBy: fenced ? 'its own wrapper (fence)' : 'Sentinel',
    writeOutageMs: firstAckAfter - frozeAt,
    writerMaxOutageMs: figures.maxOutageMs,
    acked: figures.acked,
    failed: figures.failed,
    lost: figures.lost,
  });
  t.is(figures.lost, 0, 'no write acknowledged with WAIT 1 lost');
});
