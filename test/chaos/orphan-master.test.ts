import test from 'ava';
import { FAST_SENTINEL, zkMaster } from '../helpers/chaos';
import { TestEnv } from '../helpers/env';
import { killTask } from '../helpers/failovers';
import { sentinelMasterAddr } from '../helpers/sentinel';
import { waitFor } from '../helpers/wait';

// An orphaned master (nemesis seed 151222646): a sentinel promoted a replica and was stopped
// before it told anyone; every sentinel is a fresh one that started from ZooKeeper's master,
// which is dead. Those sentinels never learn a replica nor each other (both come from the
// monitored master), so they never fail over: the set would stay with a master no one names.
// Here the promotion is made by hand (what Sentinel's does: REPLICAOF NO ONE) while no sentinel
// runs. After 2 x failover-timeout the recovery names the orphan in ZooKeeper; the sentinels are
// re-pointed to it and the other replica follows it; no acknowledged write is lost.

test('a live master no sentinel nor ZooKeeper names is named by the recovery; the set converges on it, nothing lost', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ env: FAST_SENTINEL });
  const master = d.redis.find((r) => r.address === d.master)!;
  const [orphan, other] = d.redis.filter((r) => r !== master);
  const m = env.redis(master.port);
  for (let i = 0; i < 200; i += 1) await m.set(`before:${i}`, String(i));
  t.true(Number(await m.call('WAIT', '2', '5000')) >= 2, 'both replicas have the first writes');
  m.disconnect();

  for (const s of d.sentinels) await s.proc.stop();
  await killTask(master);
  const o = env.redis(orphan!.port);
  await o.call('REPLICAOF', 'NO', 'ONE');
  const fresh = await Promise.all([1, 2, 3].map(() => env.start('sentinel-wrapper', { ...FAST_SENTINEL })));

  const named = await waitFor(
    'ZooKeeper to name the orphan',
    async () => ((await zkMaster(d)) === orphan!.address ? Date.now() : undefined),
    2 * Number(FAST_SENTINEL.SENTINEL_FAILOVER_TIMEOUT_MS) + 30000,
    100,
  );
  t.truthy(named);
  for (const s of fresh) {
    await waitFor(`sentinel ${s.port} re-pointed to the orphan`, async () => (await sentinelMasterAddr(s.port, d.name)) === orphan!.address, 30000, 100);
  }
  const q = env.redis(other!.port);
  await waitFor(
    'the other replica to follow the orphan, link up',
    async () => {
      const info = String(await q.info('replication'));
      return info.includes(`master_port:${orphan!.port}`) && info.includes('master_link_status:up');
    },
    30000,
    200,
  );
  q.disconnect();
  t.is(await o.call('ROLE').then((r) => (r as string[])[0]), 'master', 'the orphan stayed master');
  // It takes writes again (min-replicas-to-write refused them while no replica followed it).
  t.is(await o.set('after', '1'), 'OK');
  const values = await o.mget(...Array.from({ length: 200 }, (_, i) => `before:${i}`));
  t.is(values.filter((v) => v === null).length, 0, 'every acknowledged write is there');
  o.disconnect();
  const history = await d.dir.readHistory(d.name);
  t.true(
    history.some((e) => e.cause === 'recovery' && e.to === orphan!.address),
    JSON.stringify(history),
  );
});
