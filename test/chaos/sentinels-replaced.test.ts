import test from 'ava';
import { FAST_SENTINEL, waitSteady } from '../helpers/chaos';
import { TestEnv } from '../helpers/env';
import { killTask } from '../helpers/failovers';
import { waitFor } from '../helpers/wait';

// Nemesis seed 976999871: every sentinel was replaced (a rolling restart of the sentinel app,
// fresh sandboxes) after two failovers had put epoch 2 in ZooKeeper. The new sentinels' first
// failover was epoch 1: the watcher rightly never moves ZooKeeper to an older epoch, and
// ZooKeeper named a master that was gone for good. A sentinel-wrapper now starts its Sentinel at
// ZooKeeper's newest epoch.

test('every sentinel replaced after a failover: the next failover still reaches ZooKeeper, at a newer epoch', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ env: FAST_SENTINEL, watchers: 1 });
  const newMaster = (than: string) => async () => {
    const m = await d.dir.readMaster(d.name).catch(() => null);
    return m?.raw && m.raw !== than ? m : undefined;
  };

  await killTask(d.redis.find((r) => r.address === d.master)!);
  const first = await waitFor('ZooKeeper to follow the first failover', newMaster(d.master), 30_000, 100);
  t.true(first.epoch >= 1, `ZooKeeper holds epoch ${first.epoch}`);

  // The sentinel app restarted as a whole: every task gone, three new ones in fresh sandboxes.
  await Promise.all(d.sentinels.map(killTask));
  d.sentinels.splice(0, d.sentinels.length, ...(await Promise.all([1, 2, 3].map(() => env.start('sentinel-wrapper', { ...FAST_SENTINEL })))));
  await waitSteady(env, d, { replicas: 1, timeoutMs: 60_000 });

  await killTask(d.redis.find((r) => r.address === first.raw)!);
  const second = await waitFor('ZooKeeper to follow the failover of the new sentinels', newMaster(first.raw), 30_000, 100);
  t.true(second.epoch > first.epoch, `the new sentinels' failover is epoch ${second.epoch}, after ZooKeeper's ${first.epoch}`);
});
