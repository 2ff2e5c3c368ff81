import test from 'ava';
import { FAST_SENTINEL, zkMasterOtherThan } from '../helpers/chaos';
import { TestEnv } from '../helpers/env';
import { waitFor } from '../helpers/wait';

// Nemesis seed 1472279534: the master's redis-server died while one replica lagged behind the
// other; Sentinel picks by offsets up to 10 s old and promoted the one behind, and a write the
// other had acknowledged (WAIT 1) was lost in its resync. The crash failover now brings the
// replicas level first (re-points the one behind to the freshest), so whichever Sentinel picks
// holds every acknowledged write.

test("the master's server dies while a replica lags: the crash failover levels the replicas first, no acknowledged write lost", async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ env: FAST_SENTINEL });
  const master = d.redis.find((r) => r.address === d.master)!;
  const [behind, ahead] = d.redis.filter((r) => r !== master);
  const pidOf = async (port: number) => {
    const c = env.redis(port);
    const pid = Number(/process_id:(\d+)/.exec(String(await c.info('server')))?.[1]);
    c.disconnect();
    return pid;
  };
  const m = env.redis(master.port);
  const behindPid = await pidOf(behind!.port);
  const masterPid = await pidOf(master.port);

  // The replica behind is stopped while 20 MB are written: the master holds them in its output
  // buffer for it and dies with them; the other replica acknowledges them (WAIT 1).
  process.kill(behindPid, 'SIGSTOP');
  const value = 'x'.repeat(100_000);
  const keys = Array.from({ length: 200 }, (_, i) => `level:${i}`);
  try {
    const p = m.pipeline();
    for (const k of keys) p.set(k, value);
    await p.exec();
    t.true(Number(await m.call('WAIT', '1', '5000')) >= 1, 'a replica acknowledged the writes');
    process.kill(masterPid, 'SIGKILL');
  } finally {
    process.kill(behindPid, 'SIGCONT');
  }
  m.disconnect();

  await master.proc.waitForLog(/"msg":"bringing the replicas level before the failover"/, 15000);
  const promoted = await zkMasterOtherThan(d, master.address);
  const node = d.redis.find((r) => r.address === promoted)!;
  const c = env.redis(node.port);
  await waitFor('the new master to answer as master', async () => String(await c.info('replication')).includes('role:master'), 15000, 100);
  const values = await c.mget(...keys);
  c.disconnect();
  t.is(
    values.filter((v) => v !== value).length,
    0,
    `every acknowledged write is on the new master ${promoted} (${promoted === ahead!.address ? 'the one ahead' : 'the one that lagged'})`,
  );
});
