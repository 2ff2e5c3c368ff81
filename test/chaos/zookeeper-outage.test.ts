import test from 'ava';
import { type Deployment, TestEnv } from '../helpers/env';
import { recordFigures } from '../helpers/figures';
import { SteadyWriter } from '../helpers/writer';
import { sleep, waitFor } from '../helpers/wait';
import { FAST_SENTINEL, childPids, DirectWriter, PingProbe, pidAlive, portOf, stopOnTeardown, waitSteady, zkMaster } from '../helpers/chaos';
import { sentinelMasterAddr } from '../helpers/sentinel';

const OUTAGE_MS = 60000;
const KILL_AT_MS = 20000;

/** Registered addresses under nodes/<name> and sentinels/, sorted; undefined while ZooKeeper does not answer. */
async function registrations(d: Deployment): Promise<{ nodes: string[]; sentinels: string[] } | undefined> {
  try {
    const fmt = (ms: Array<{ address: { host: string; port: number } }>) => ms.map((m) => `${m.address.host}:${m.address.port}`).sort();
    return { nodes: fmt(await d.dir.listNodes(d.name)), sentinels: fmt(await d.dir.listSentinels()) };
  } catch {
    return undefined;
  }
}

test.serial(
  'ZooKeeper hung for 60 s: the data plane never notices, a failover during the outage reaches ZooKeeper when it resumes, every registration comes back',
  async (t) => {
    const env = await TestEnv.create(t);
    const d = await env.deploy({ env: FAST_SENTINEL });
    const steady = stopOnTeardown(t, new SteadyWriter(env, d));
    await steady.start();
    await waitFor('writes flowing', () => steady.acked > 50, 20000);
    const oldMaster = d.redis.find((r) => r.address === d.master)!;
    const direct = stopOnTeardown(t, new DirectWriter(oldMaster.port, 'before'));
    await waitFor('direct writes flowing', () => direct.ok > 20, 10000);

    const pausedAt = Date.now();
    env.zk.pause();

    // Phase 1 (0-20 s): nothing but ZooKeeper is wrong; nobody may notice on the data plane.
    await sleep(KILL_AT_MS);
    const phase1 = await direct.stop();
    t.deepEqual(phase1.errors, [], 'no error writing directly to the master while ZooKeeper hangs');
    t.is(steady.failed, 0, 'no failed write through Sentinel while ZooKeeper hangs');
    // ZooKeeper away alone never pauses the master's writes (the sentinels still vouch for it).
    t.false(/paused writes/.test(oldMaster.proc.log()), "the master's wrapper paused its writes while only ZooKeeper was away");
    const exitedBefore = [...d.redis, ...d.sentinels, ...d.watchers].filter((x) => !x.proc.running).map((x) => x.proc.label);
    t.deepEqual(exitedBefore, [], 'no task exited because of ZooKeeper');

    // Phase 2: kill -9 the master ~20 s into the outage; Marathon starts a replacement, which has to
    // wait for ZooKeeper. Sentinel fails over without ZooKeeper.
    const killedAt = Date.now();
    const atKill = steady.ackedSince(killedAt);
    oldMaster.proc.killGroup('SIGKILL');
    await oldMaster.proc.exited;
    const replacement = await env.start('redis-wrapper');
    d.redis.push(replacement);
    const promoted = await waitFor(
      'Sentinel to promote a replica',
      async () => {
        const a = await sentinelMasterAddr(d.sentinels[0]!.port, d.name);
        return a && a !== d.master ? a : undefined;
      },
      30000,
      50,
    );
    await env.waitForRole(portOf(promoted), 'master');
    const sentinelFailoverMs = Date.now() - killedAt;
    const steadyBackAt = await waitFor(
      'writes through Sentinel after the failover, ZooKeeper still hung',
      () => (steady.ackedSince(killedAt) > atKill ? Date.now() : undefined),
      30000,
      10,
    );
    const direct2 = stopOnTeardown(t, new DirectWriter(portOf(promoted), 'after'));
    t.true(Date.now() < pausedAt + OUTAGE_MS, 'the failover completed while ZooKeeper was still hung');

    // Phase 3: ZooKeeper resumes after 60 s, every session past its 4 s timeout: ZooKeeper expires
    // them at its next check, unless a client reconnects first and so keeps its session.
    await sleep(pausedAt + OUTAGE_MS - Date.now());
    const failedDuringOutage = steady.failed;
    const resumedAt = Date.now();
    env.zk.cont();

    await waitFor('ZooKeeper to name the promoted master', async () => (await zkMaster(d)) === promoted, 60000, 20);
    const zkMasterAfterResumeMs = Date.now() - resumedAt;
    const want = {
      nodes: d.redis
        .filter((r) => r.proc.running)
        .map((r) => r.address)
        .sort(),
      sentinels: d.sentinels.map((s) => s.address).sort(),
    };
    // Right after the resume the killed master's node can still be there (its session is expired
    // by ZooKeeper's next check) and the replacement not yet registered: wait for exactly the live tasks.
    let seen: Awaited<ReturnType<typeof registrations>>;
    await waitFor(
      'every live task registered, each once, and nothing else',
      async () => {
        seen = await registrations(d);
        return JSON.stringify(seen) === JSON.stringify(want);
      },
      60000,
      50,
    ).catch(() => undefined);
    const registrationsBackMs = Date.now() - resumedAt;
    t.deepEqual(seen, want, 'the live tasks, each once');

    const phase2 = await direct2.stop();
    // NOREPLICAS is min-replicas-max-lag (2 s) refusing while the one replica's ACK is late: on a
    // loaded machine (CI) its niced redis-server was once starved that long as everything woke up
    // with ZooKeeper. That is the configuration's own trade-off, not the outage reaching redis.
    const refusedForLag = phase2.errors.filter((e) => e.includes('NOREPLICAS'));
    if (refusedForLag.length > 0) t.log(`${refusedForLag.length} write(s) refused by min-replicas-max-lag (NOREPLICAS) across ZooKeeper's return`);
    t.deepEqual(
      phase2.errors.filter((e) => !e.includes('NOREPLICAS')),
      [],
      "no error writing directly to the promoted master, across ZooKeeper's return",
    );
    const exited = [...d.redis, ...d.sentinels, ...d.watchers].filter((x) => x !== oldMaster && !x.proc.running).map((x) => x.proc.label);
    t.deepEqual(exited, [], 'no task exited (except the one killed)');
    for (const w of d.watchers) {
      await waitFor('watcher healthy again', async () => (await fetch(`http://127.0.0.1:${w.port}/health`).catch(() => null))?.status === 200, 30000);
    }

    const master = await waitSteady(env, d, { mustKnow: [replacement.address], timeoutMs: 60000 });
    t.is(master, promoted);
    const settledAt = Date.now();
    await waitFor('writes after the outage', () => steady.ackedSince(settledAt) > 50, 30000);
    const figures = await steady.stop();
    recordFigures(t, 'zookeeper-outage', {
      outageMs: resumedAt - pausedAt,
      directWritesBeforeKill: phase1.ok,
      directWritesAfterFailover: phase2.ok,
      directWriteErrors: phase1.errors.length + phase2.errors.length,
      directWriteMaxLatencyMs: Math.max(phase1.maxLatencyMs, phase2.maxLatencyMs),
      sentinelFailoverDuringOutageMs: sentinelFailoverMs,
      sentinelWritesBackAfterKillMs: steadyBackAt - killedAt,
      zkMasterAfterResumeMs,
      registrationsBackMs,
      failedWritesDuringOutage: failedDuringOutage,
      acked: figures.acked,
      failed: figures.failed,
      lost: figures.lost,
    });
    t.is(figures.lost, 0, 'no acknowledged write lost');
  },
);

test.serial(
  'ZooKeeper session expiry of redis and sentinel wrappers (wrapper frozen, not its server): registrations re-created, data plane never stopped',
  async (t) => {
    const env = await TestEnv.create(t);
    const d = await env.deploy({ env: FAST_SENTINEL });
    const master = d.redis.find((r) => r.address === d.master)!;
    const replica = d.redis.find((r) => r !== master)!;
    const sentinel = d.sentinels[0]!;
    const frozen = [master, replica, sentinel];
    const serverPids = frozen.map((x) => childPids(x));
    for (const pids of serverPids) t.is(pids.length, 1, 'one server process started');

    const probes = frozen.map((x) => stopOnTeardown(t, new PingProbe(x.port, 100)));
    const direct = stopOnTeardown(t, new DirectWriter(master.port));
    await waitFor('direct writes flowing', () => direct.ok > 20, 10000);

    const frozeAt = Date.now();
    for (const x of frozen) x.proc.kill('SIGSTOP'); // the wrapper only: its server keeps running
    await waitFor(
      "the frozen wrappers' registrations to expire",
      async () => {
        const r = await registrations(d);
        return r && !r.nodes.includes(master.address) && !r.nodes.includes(replica.address) && !r.sentinels.includes(sentinel.address);
      },
      30000,
      50,
    );
    const expiredAfterMs = Date.now() - frozeAt;
    const thawedAt = Date.now();
    for (const x of frozen) x.proc.kill('SIGCONT');

    await waitFor(
      'every registration back',
      async () => {
        const r = await registrations(d);
        return r && r.nodes.length === 3 && r.sentinels.length === 3;
      },
      30000,
      50,
    );
    const reRegisteredMs = Date.now() - thawedAt;
    t.deepEqual(await registrations(d), { nodes: d.redis.map((r) => r.address).sort(), sentinels: d.sentinels.map((s) => s.address).sort() });
    for (const x of frozen) await x.proc.waitForLog(/re-registered in ZooKeeper/, 10000);

    const pings = await Promise.all(probes.map((p) => p.stop()));
    const writes = await direct.stop();
    for (const [i, p] of pings.entries()) t.deepEqual(p.failures, [], `${frozen[i]!.proc.label}'s server answered every PING`);
    t.deepEqual(writes.errors, [], 'no error writing to the master');
    for (const [i, x] of frozen.entries()) {
      t.deepEqual(childPids(x), serverPids[i], `${x.proc.label}: its server was never restarted`);
      t.true(pidAlive(serverPids[i]![0]!), `${x.proc.label}: its server is alive`);
    }
    t.true(
      [...d.redis, ...d.sentinels, ...d.watchers].every((x) => x.proc.running),
      'no task exited',
    );
    t.is(await zkMaster(d), d.master, 'no failover');
    t.is(await sentinelMasterAddr(sentinel.port, d.name), d.master);
    await waitSteady(env, d, { timeoutMs: 30000 });
    recordFigures(t, 'zookeeper-session-expiry', {
      frozenWrappers: frozen.length,
      expiredAfterMs,
      reRegisteredMs,
      pings: pings.reduce((n, p) => n + p.ok, 0),
      pingFailures: pings.reduce((n, p) => n + p.failures.length, 0),
      directWrites: writes.ok,
      directWriteErrors: writes.errors.length,
      directWriteMaxLatencyMs: writes.maxLatencyMs,
    });
  },
);
