import test, { type ExecutionContext } from 'ava';
import { PAUSE_SLICE_MS } from '../../packages/core/src/switchover/write-pause';
import { liveRedis } from '../helpers/chaos';
import { startCli } from '../helpers/cli';
import { type Deployment, TestEnv } from '../helpers/env';
import { sleep, waitFor } from '../helpers/wait';

// An operator's switchover cut off at a random moment (kill -9, a dropped SSH session): what it
// began must not outlive it. Writes paused by it flow again within a pause slice; the replicas it
// made ineligible (replica-priority 0) get their priority back from their own node loops once its
// ZooKeeper session is gone. SIGHUP is handled like SIGINT: the switchover finishes.

/** The priority of every live redis task. */
async function priorities(env: TestEnv, d: Deployment): Promise<Map<string, string | undefined>> {
  const live = liveRedis(d);
  const got = await Promise.all(
    live.map(async (r) => {
      const c = env.redis(r.port);
      try {
        return ((await c.config('GET', 'replica-priority')) as string[])[1];
      } catch {
        return undefined;
      } finally {
        c.disconnect();
      }
    }),
  );
  return new Map(live.map((r, i) => [r.address, got[i]]));
}

/** When a write first succeeds on whichever live node is master (ms since `since`). */
async function writesFlow(env: TestEnv, d: Deployment, since: number): Promise<number> {
  return waitFor(
    'a write to succeed on the master',
    async () => {
      for (const r of liveRedis(d)) {
        const c = env.redis(r.port);
        try {
          if ((await c.call('ROLE').then((x) => (x as string[])[0])) !== 'master') continue;
          await Promise.race([c.set('interrupted', String(Date.now())), sleep(300).then(() => Promise.reject(new Error('paused')))]);
          return Date.now() - since;
        } catch {
          // paused, or not reachable
        } finally {
          c.disconnect();
        }
      }
      return undefined;
    },
    20_000,
    20,
  );
}

function replicaOf(d: Deployment): string {
  const replica = liveRedis(d).find((r) => r.address !== d.master)!;
  return replica.address;
}

test.serial(
  'the CLI killed (kill -9) at random moments in its first 2 s: writes flow again within a pause slice, every priority comes back',
  async (t: ExecutionContext) => {
    const env = await TestEnv.create(t);
    const d = await env.deploy({ watchers: 0 });
    for (const round of [1, 2, 3]) {
      const before = await priorities(env, d);
      t.true(
        [...before.values()].every((p) => p === '100'),
        `round ${round}: every priority 100 before (${JSON.stringify([...before])})`,
      );
      const to = replicaOf(d);
      const run = startCli(env, 'switchover', 'mymaster', '--to', to, '--timeout', '40000');
      const after = Math.round(Math.random() * 2000);
      await Promise.race([sleep(after), run.done]);
      const killedAt = Date.now();
      run.child.kill('SIGKILL');
      const r = await run.done;
      const flowsAfterMs = await writesFlow(env, d, killedAt);
      t.log(`round ${round}: killed ${after} ms in (${r.signal ?? `exit ${r.code}`}); writes flowed ${flowsAfterMs} ms after`);
      t.true(flowsAfterMs <= PAUSE_SLICE_MS + 2000, `writes flow again within a pause slice of the CLI's death (${flowsAfterMs} ms)`);
      await waitFor('every replica-priority back to 100', async () => [...(await priorities(env, d)).values()].every((p) => p === '100'), 30_000, 200);
      // The next round starts from the set's master now.
      d.master = await waitFor(
        'one master',
        async () => {
          for (const x of liveRedis(d)) if ((await env.role(x.port)) === 'master') return x.address;
          return undefined;
        },
        20_000,
      );
      await waitFor(
        'every replica linked',
        async () => (await Promise.all(liveRedis(d).map((x) => env.role(x.port)))).filter((x) => x === 'slave').length === 2,
        20_000,
      );
    }
  },
);

test.serial('SIGHUP (a dropped SSH session) does not stop a switchover: it finishes, priorities given back', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 0 });
  const to = replicaOf(d);
  // Hung up once the handover is under way (its log says it made the other replicas ineligible),
  // not after a fixed delay: on a loaded machine the command may not even have loaded by then.
  const run = startCli(env, '--verbose', 'switchover', 'mymaster', '--to', to, '--timeout', '40000');
  await run.stderrMatches(/other replicas made ineligible/);
  run.child.kill('SIGHUP');
  const r = await run.done;
  t.is(r.code, 0, r.err);
  t.regex(r.out, new RegExp(`switched over from ${d.master} to ${to}`));
  t.true([...(await priorities(env, d)).values()].every((p) => p === '100'));
});

test.serial("one switchover at a time: with one under way, the CLI's is refused naming it, and a master's SIGTERM waits for it to end", async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 0 });
  // A switchover under way, as its claim in ZooKeeper shows it (what every switchover opens first).
  const held = await d.dir.openHandover('mymaster', { by: 'an operator elsewhere', at: Date.now(), excluded: [] });
  t.teardown(() => held.close());
  const refused = await startCli(env, 'switchover', 'mymaster', '--timeout', '20000').done;
  t.is(refused.code, 3, refused.err);
  t.regex(refused.err, /another switchover of mymaster is under way \(by an operator elsewhere since \S+\); try again once it ends/);

  const master = d.redis.find((r) => r.address === d.master)!;
  master.proc.kill('SIGTERM');
  await master.proc.waitForLog(/"msg":"waiting for the switchover ahead to end"/, 20_000);
  await held.close();
  t.is((await master.proc.exited).code, 0);
  master.proc.expectLogged(t, /switched over; the old master is now a replica/, 'the stop handed over once the other switchover ended');
});

test('--timeout is bounded', async (t) => {
  const r = await startCli(process.env, 'switchover', 'mymaster', '--timeout', '300001').done;
  t.is(r.code, 2);
  t.regex(r.err, /at most 300000/);
});
