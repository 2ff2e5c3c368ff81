import test from 'ava';
import { PAUSED_QUORUM } from '../packages/core/src/pause/record';
import { cli } from './helpers/cli';
import { TestEnv } from './helpers/env';
import { childPids, liveRedis, portOf, replication, stopOnTeardown, waitSteady, zkMaster, zkMasterOtherThan } from './helpers/chaos';
import { sentinelMaster } from './helpers/sentinel';
import { sleep, waitFor } from './helpers/wait';
import { SteadyWriter } from './helpers/writer';

/** How long the paused set must go without a failover after its master's redis-server dies. */
const PAUSED_WINDOW_MS = 14_000;

// Maintenance mode (redis-zk pause): the master's redis-server killed (kill -9, its wrapper lives)
// while the set is paused is failed over by nobody — not its wrapper's crash failover, not
// Sentinel (down-after 2 s here), not the replicas' recovery (2 x failover-timeout = 12 s here) —
// until `redis-zk resume`, after which Sentinel fails it over and writes are acknowledged again.
test('paused: kill -9 of the master redis-server fails nothing over for 14 s; resumed: Sentinel fails over, writes again', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy();
  const watcher = `http://127.0.0.1:${d.watchers[0]!.port}`;
  const writer = stopOnTeardown(t, new SteadyWriter(env, d));
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 50, 20000);

  // --- pause ---------------------------------------------------------------------------------
  t.is((await cli(env, 'pause', 'nope')).code, 4, 'no such set');
  const paused = await cli(env, 'pause', d.name, '--reason', 'agent maintenance');
  t.is(paused.code, 0, paused.err);
  t.regex(paused.out, /^mymaster: paused \(maintenance mode\)/m);
  t.regex(paused.out, new RegExp(`3/3 sentinels monitoring the set hold quorum ${PAUSED_QUORUM}`));
  const again = await cli(env, 'pause', d.name);
  t.is(again.code, 0, again.err);
  t.regex(again.out, /already paused since .* \(agent maintenance\)/, 'pausing twice keeps the first pause');
  for (const s of d.sentinels) t.is((await sentinelMaster(s.port, d.name))?.get('quorum'), String(PAUSED_QUORUM));

  // A sentinel started while the set is paused monitors it with the raised quorum from the start.
  const late = await env.start('sentinel-wrapper', { SENTINEL_DOWN_AFTER_MS: '2000', SENTINEL_FAILOVER_TIMEOUT_MS: '6000' });
  d.sentinels.push(late);
  const lateQuorum = await waitFor('the late sentinel to monitor the set', async () => (await sentinelMaster(late.port, d.name))?.get('quorum'), 30000);
  t.is(lateQuorum, String(PAUSED_QUORUM));
  late.proc.expectLogged(t, /"paused":true/);

  // status (CLI and the watcher's /status) and the metrics say so.
  const table = await cli(env, 'status');
  t.regex(table.out, /^ {2}PAUSED \(maintenance mode: no automatic failover\) since \S+ \(\d+ s\) by redis-zk on .*: agent maintenance$/m, table.out);
  const status = (await (await fetch(`${watcher}/status`)).json()) as Record<string, { paused: { by: string; reason: string; since: string } | null }>;
  t.like(status.mymaster!.paused, { reason: 'agent maintenance' });
  t.regex(status.mymaster!.paused!.by, /^redis-zk on /);
  await waitFor(
    'the paused metrics',
    async () => {
      await sleep(2100); // the watcher caches the set gauges for 2 s
      const text = await (await fetch(`${watcher}/metrics`)).text();
      return /^redis_zk_set_paused\{set="mymaster"\} 1$/m.test(text) && /^redis_zk_set_paused_seconds\{set="mymaster"\} \d+$/m.test(text);
    },
    15000,
  );

  // A planned switchover is refused while paused.
  const switchover = await cli(env, 'switchover', d.name);
  t.is(switchover.code, 3, switchover.out);
  t.regex(switchover.err, /paused \(maintenance mode/);

  // --- kill -9 of the master's redis-server alone: its wrapper lives and must not act ----------
  const victim = d.redis.find((r) => r.address === d.master)!;
  const killed = Date.now();
  process.kill(childPids(victim)[0]!, 'SIGKILL');
  const exit = await victim.proc.exited;
  t.not(exit.code, 0, 'the wrapper exits non-zero (Marathon replaces the task)');
  victim.proc.expectLogged(t, /"reason":"the set is paused \(maintenance mode[^"]*","msg":"redis-server died; no crash failover"/);
  t.notRegex(victim.proc.log(), /asked Sentinel to fail over at once/);

  // For the whole window: every sentinel names the old master, no replica is promoted, ZooKeeper unchanged.
  const replicas = liveRedis(d);
  while (Date.now() - killed < PAUSED_WINDOW_MS) {
    for (const s of d.sentinels) {
      const m = await sentinelMaster(s.port, d.name);
      t.is(`${m?.get('ip')}:${m?.get('port')}`, d.master, `sentinel ${s.port} still names the old master`);
      t.false((m?.get('flags') ?? '').includes('o_down'), `sentinel ${s.port} never takes it for objectively down`);
    }
    for (const r of replicas) t.is((await replication(r.port))?.get('role'), 'slave', `${r.address} is still a replica`);
    t.is(await zkMaster(d), d.master);
    await sleep(500);
  }
  t.is(writer.ackedSince(killed + 1000), 0, 'no write acknowledged while the paused set has no master');
  for (const r of replicas) t.notRegex(r.proc.log(), /recovered the set/);

  // --- resume: Sentinel fails over, the replacement task follows, writes are acknowledged again --
  const resumedAt = Date.now();
  const resumed = await cli(env, 'resume', d.name);
  t.is(resumed.code, 0, resumed.err);
  t.regex(resumed.out, /^mymaster: resumed \(paused since .*\): automatic failover is back/m);
  t.regex(resumed.out, /4\/4 sentinels monitoring the set hold their own quorum/);
  for (const s of d.sentinels) t.is((await sentinelMaster(s.port, d.name))?.get('quorum'), '2');
  const promoted = await zkMasterOtherThan(d, d.master, 'ZooKeeper to name a promoted replica');
  t.true(
    replicas.some((r) => r.address === promoted),
    `a surviving replica was promoted (${promoted})`,
  );
  await waitFor('acknowledged writes after the resume', () => writer.ackedSince(resumedAt) > 20, 30000, 50);
  t.log(`resumed -> ZooKeeper names ${promoted} and writes flow ${Date.now() - resumedAt} ms later (or less)`);
  d.redis.push(await env.start('redis-wrapper'));
  t.is(await waitSteady(env, d, { timeoutMs: 60000 }), promoted);
  t.is(await env.role(portOf(promoted)), 'master');

  const after = (await (await fetch(`${watcher}/status`)).json()) as Record<string, { paused: unknown }>;
  t.is(after.mymaster!.paused, null);
  t.is((await cli(env, 'resume', d.name)).out.trim().split('\n')[0], 'mymaster: was not paused');
  const history = await d.dir.readHistory(d.name);
  t.false(
    history.some((e) => e.cause === 'crash-failover'),
    JSON.stringify(history),
  );
  const figures = await writer.stop();
  t.is(figures.lost, 0, 'no acknowledged write lost');
});

// A planned stop while paused: the operator asked for it, so a master's SIGTERM still hands the
// role over (SENTINEL FAILOVER needs no quorum) and nothing acknowledged is lost; the set stays
// paused, and `redis-zk --help` describes the mode.
test("paused: a master's SIGTERM still hands over, no acknowledged write lost; the set stays paused", async (t) => {
  const help = await cli(process.env, '--help');
  t.is(help.code, 0);
  t.regex(help.out, /^ {2}pause \[options\] <set>/m);
  t.regex(help.out, /^ {2}resume <set>/m);
  t.regex(help.out, /Maintenance mode: while a set is paused/);

  const env = await TestEnv.create(t);
  const d = await env.deploy();
  const writer = stopOnTeardown(t, new SteadyWriter(env, d));
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 50, 20000);
  const paused = await cli(env, 'pause', d.name);
  t.is(paused.code, 0, paused.err);

  const master = d.redis.find((r) => r.address === d.master)!;
  const stopped = Date.now();
  master.proc.kill('SIGTERM');
  t.is((await master.proc.exited).code, 0);
  master.proc.expectLogged(t, /switched over; the old master is now a replica/);
  const promoted = await waitFor(
    'ZooKeeper on the new master',
    async () => {
      const m = await zkMaster(d);
      return m && m !== d.master ? m : undefined;
    },
    30000,
  );
  await waitFor('writes after the switchover', () => writer.ackedSince(stopped + 2000) > 20, 30000, 50);
  t.truthy(await d.dir.readPause(d.name), 'still paused');
  for (const s of d.sentinels) t.is((await sentinelMaster(s.port, d.name))?.get('quorum'), String(PAUSED_QUORUM));
  const history = await d.dir.readHistory(d.name);
  t.true(
    history.some((e) => e.cause === 'switchover' && e.from === d.master && e.to === promoted),
    JSON.stringify(history),
  );
  const figures = await writer.stop();
  t.is(figures.lost, 0, 'no acknowledged write lost');
});
