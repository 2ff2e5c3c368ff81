import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { TestEnv } from '../helpers/env';
import { childPids, isSyncedReplicaOf, liveRedis, portOf, stopOnTeardown, waitSteady, zkMaster } from '../helpers/chaos';
import { cli } from '../helpers/cli';
import { VALKEY } from '../helpers/engine';
import { firstSentinelSwitch } from '../helpers/failovers';
import { recordFigures } from '../helpers/figures';
import { ROOT } from '../helpers/processes';
import { info } from '../helpers/redis-info';
import { TEST_PASSWORD } from '../helpers/secrets';
import { sentinelMasterAddr } from '../helpers/sentinel';
import { waitFor } from '../helpers/wait';
import { SteadyWriter } from '../helpers/writer';

// One deployment, the core cases in a row (CI time): bootstrap, a crash failover (the master's
// valkey-server killed under its live wrapper), a kill -9 of the master's task, a planned
// switchover through redis-zk; one WAIT-1 writer throughout, checked at the end. Sentinel's
// down-after is 5 s so the crash failover shows the wrapper asking at once.
interface StatusSet {
  master: { port: number };
  replicas: Array<{ address: { port: number }; role: string; linkStatus: string; lag: number | null }>;
  sentinelsAgreeing: number;
}

test('Valkey 8.0: bootstrap, crash failover, kill -9 failover and planned switchover; no acknowledged write lost', async (t) => {
  const env = await TestEnv.create(t);
  const engine = { ...VALKEY, SENTINEL_DOWN_AFTER_MS: '5000', SENTINEL_FAILOVER_TIMEOUT_MS: '6000' };
  const d = await env.deploy({ env: engine });
  const replace = async () => {
    const task = await env.start('redis-wrapper', engine);
    d.redis.push(task);
    return task;
  };

  // --- bootstrap: one master, two synced replicas, all of them Valkey -----------------------------
  const server = await info(portOf(d.master), 'server');
  t.is(server?.get('server_name'), 'valkey', 'the master runs Valkey');
  t.regex(server?.get('valkey_version') ?? '', /^8\.0\./);
  t.is((await info(d.sentinels[0]!.port, 'server'))?.get('server_mode'), 'sentinel');
  t.is((await info(d.sentinels[0]!.port, 'server'))?.get('server_name'), 'valkey', 'the sentinels run Valkey');
  t.is(await env.role(portOf(d.master)), 'master');
  for (const r of d.redis.filter((x) => x.address !== d.master)) {
    await waitFor(`${r.address} a synced replica`, () => isSyncedReplicaOf(r.port, portOf(d.master)), 20000);
  }
  t.is(await waitSteady(env, d, { timeoutMs: 30000 }), d.master);

  // The sentinel app's COMMAND health check as shipped, with the image's redis-cli (valkey-cli: ENGINE=valkey).
  const bin = fs.mkdtempSync(path.join(env.dir, 'bin-'));
  fs.symlinkSync(spawnSync('/bin/sh', ['-c', 'command -v valkey-cli'], { encoding: 'utf8' }).stdout.trim(), path.join(bin, 'redis-cli'));
  const sentinelApp = JSON.parse(fs.readFileSync(path.join(ROOT, 'marathon', 'sentinel.json'), 'utf8')) as {
    healthChecks: Array<{ command: { value: string } }>;
  };
  const check = (password: string) =>
    spawnSync('/bin/sh', ['-c', sentinelApp.healthChecks[0]!.command.value], {
      env: { PATH: `${bin}:${process.env.PATH}`, PORT0: String(d.sentinels[0]!.port), REDIS_PASSWORD: password },
      stdio: 'ignore',
      timeout: 5000,
    }).status;
  t.is(check(TEST_PASSWORD), 0, "the sentinel health check passes on Valkey's sentinel through valkey-cli");
  t.not(check('wrong'), 0, 'and fails with a wrong password');

  const writer = stopOnTeardown(t, new SteadyWriter(env, d));
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 50, 20000);

  // --- crash failover: valkey-server dies under its live wrapper ----------------------------------
  const crashed = d.redis.find((r) => r.address === d.master)!;
  const killed = Date.now();
  const atKill = writer.ackedSince(killed);
  process.kill(childPids(crashed)[0]!, 'SIGKILL');
  const sw = await firstSentinelSwitch(d.sentinels, d.name, d.master, 30000);
  await waitFor('acknowledged writes after the crash', () => writer.ackedSince(killed) > atKill, 30000, 10);
  t.not((await crashed.proc.exited).code, 0, 'the wrapper exits non-zero so Marathon replaces the task');
  crashed.proc.expectLogged(t, /"msg":"asked Sentinel to fail over at once"/);
  t.true(sw.at - killed < 5000, `Sentinel switched ${sw.at - killed} ms after the crash, before its own down-after`);
  await replace();
  let master = await waitSteady(env, d, { timeoutMs: 60000 });
  t.is(master, sw.address);
  const crashMs = sw.at - killed;

  // --- kill -9 of the master's task, replaced at once -------------------------------------------
  const victim = liveRedis(d).find((r) => r.address === master)!;
  const killedTask = Date.now();
  const atKillTask = writer.ackedSince(killedTask);
  victim.proc.killGroup('SIGKILL');
  await victim.proc.exited;
  const replacement = await replace();
  const promoted = await waitFor(
    'ZooKeeper to name another master',
    async () => {
      const m = await zkMaster(d);
      return m && m !== master ? m : undefined;
    },
    30000,
    20,
  );
  await waitFor('acknowledged writes after the kill', () => writer.ackedSince(killedTask) > atKillTask, 60000, 10);
  const killMs = Date.now() - killedTask;
  t.true(
    liveRedis(d).some((r) => r.address === promoted),
    `ZooKeeper names a live task (${promoted})`,
  );
  master = await waitSteady(env, d, { mustKnow: [replacement.address], timeoutMs: 60000 });

  // --- planned switchover through the CLI ----------------------------------------------------------
  const done = await cli(env, 'switchover', d.name);
  t.is(done.code, 0, done.err);
  const m = /switched over from (\S+) to (\S+)/.exec(done.out);
  t.is(m?.[1], master, done.out);
  const to = m?.[2] ?? '';
  t.not(to, master);
  await waitFor(
    'every sentinel names the promoted replica',
    async () => (await Promise.all(d.sentinels.map((s) => sentinelMasterAddr(s.port, d.name)))).every((a) => a === to),
    20000,
    100,
  );
  await waitFor('ZooKeeper names the new master', async () => (await zkMaster(d)) === to, 20000);
  await waitFor('the old master a replica', async () => (await env.role(portOf(master))) === 'slave', 20000);
  const afterSwitch = Date.now();
  await waitFor('writes after the switchover', () => writer.ackedSince(afterSwitch) > 50, 30000);
  t.is(await waitSteady(env, d, { timeoutMs: 60000 }), to);

  // What reads Valkey's INFO and Sentinel's answers: redis-zk status and the node API a proxy checks.
  let lastStatus = '';
  const status = await waitFor(
    'redis-zk status to show the settled set',
    async () => {
      const run = await cli(env, 'status', '--json');
      lastStatus = run.out + run.err;
      const s = run.code === 0 ? (JSON.parse(run.out) as Record<string, StatusSet>)[d.name] : undefined;
      // Sentinel remembers the killed nodes too (linkStatus down): the live ones are what counts.
      const live = s?.replicas.filter((r) => liveRedis(d).some((x) => x.port === r.address.port && x.address !== to));
      return s?.master.port === portOf(to) && live?.length === 2 && live.every((r) => r.linkStatus === 'up') ? { ...s, replicas: live } : undefined;
    },
    20000,
    500,
  ).catch((err) => {
    throw new Error(`${String(err)}: ${lastStatus}`);
  });
  t.is(status.sentinelsAgreeing, 3);
  for (const r of status.replicas) {
    t.is(r.role, 'replica');
    t.true(r.lag !== null, 'a lag read from INFO');
  }
  const get = async (port: number, p: string) => (await fetch(`http://127.0.0.1:${port}${p}`)).status;
  for (const node of liveRedis(d)) {
    const primary = node.address === to;
    await waitFor(`${node.address}: /primary ${primary ? 200 : 503}`, async () => (await get(node.apiPort, '/primary')) === (primary ? 200 : 503), 15000);
    t.is(await get(node.apiPort, '/replica?lag=100000000'), primary ? 503 : 200, `${node.address} /replica`);
  }

  const figures = await writer.stop();
  recordFigures(t, 'valkey', {
    crashToSentinelSwitchMs: crashMs,
    killToWritesMs: killMs,
    writerMaxOutageMs: figures.maxOutageMs,
    acked: figures.acked,
    failed: figures.failed,
    lost: figures.lost,
  });
  t.is(figures.lost, 0, 'no acknowledged write lost');
  const history = await d.dir.readHistory(d.name);
  t.deepEqual(
    history.map((e) => e.cause).filter((c) => c === 'crash-failover' || c === 'switchover'),
    ['crash-failover', 'switchover'],
    JSON.stringify(history),
  );
});
