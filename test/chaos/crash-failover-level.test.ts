import test, { type ExecutionContext } from 'ava';
import { FAST_SENTINEL, zkMasterOtherThan } from '../helpers/chaos';
import { TestEnv } from '../helpers/env';
import { waitFor } from '../helpers/wait';
import { addr } from '../helpers/fixtures';

// Nemesis seed 1472279534: the master's redis-server died while one replica lagged behind the
// other; Sentinel picks by offsets of its last INFO (up to a second old while the master is down)
// and promoted the one behind, and writes the other had acknowledged (WAIT 1) were lost in its
// resync. The crash failover now reads the replicas' final offsets and leaves Sentinel only the
// freshest to promote (the others at replica-priority 0 until it has).

test("the master's server dies while a replica lags: Sentinel is left only the freshest replica to promote, no acknowledged write lost", (t) =>
  lagThenCrash(t, { aheadExcluded: false }));

// The same seed again in a loaded run (21 writes lost): a switchover still under way (the
// operator's third, whose master had already been moved by the second) had made the freshest
// replica ineligible, so Sentinel could only promote the one behind.
test('the same while a switchover under way holds the freshest replica at priority 0: it gets its priority back and is promoted', (t) =>
  lagThenCrash(t, { aheadExcluded: true }));

async function lagThenCrash(t: ExecutionContext, o: { aheadExcluded: boolean }): Promise<void> {
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
  const priorityOf = async (port: number) => {
    const c = env.redis(port);
    const [, priority] = (await c.call('CONFIG', 'GET', 'replica-priority')) as string[];
    c.disconnect();
    return priority;
  };
  const m = env.redis(master.port);
  const behindPid = await pidOf(behind!.port);
  const masterPid = await pidOf(master.port);
  if (o.aheadExcluded) {
    // What excludeFromPromotion leaves while a switchover runs: its claim in ZooKeeper, then the priority at 0.
    const claim = await d.dir.openHandover('mymaster', {
      by: 'a test switchover',
      at: Date.now(),
      excluded: [{ address: addr(ahead!.address), priority: 100 }],
    });
    t.teardown(() => claim.close());
    const a = env.redis(ahead!.port);
    await a.call('CONFIG', 'SET', 'replica-priority', '0');
    a.disconnect();
  }

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

  // Only steered when a sentinel's view would pick another (always, when the freshest is at priority 0).
  if (o.aheadExcluded) await master.proc.waitForLog(/"msg":"leaving Sentinel only the freshest replica to promote"/, 15000);
  const promoted = await zkMasterOtherThan(d, master.address);
  const node = d.redis.find((r) => r.address === promoted)!;
  const c = env.redis(node.port);
  await waitFor('the new master to answer as master', async () => String(await c.info('replication')).includes('role:master'), 15000, 100);
  const values = await c.mget(...keys);
  c.disconnect();
  t.is(promoted, ahead!.address, 'Sentinel promoted the replica that was ahead');
  t.is(
    values.filter((v) => v !== value).length,
    0,
    `every acknowledged write is on the new master ${promoted} (${promoted === ahead!.address ? 'the one ahead' : 'the one that lagged'})`,
  );
  await waitFor('the replica left out to get its replica-priority back', async () => (await priorityOf(behind!.port)) === '100', 15000, 100);
}
