import { spawn } from 'node:child_process';
import { CLI, cli, type Run } from './helpers/cli';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { HistoryEvent } from '../packages/core/src/members/history';
import { type Deployment, portOf, TestEnv } from './helpers/env';
import { sentinelMasterAddr } from './helpers/sentinel';
import { waitFor } from './helpers/wait';
import { SteadyWriter } from './helpers/writer';
import { recordFigures } from './helpers/figures';

const json = <T>(r: Run): T => JSON.parse(r.out) as T;
const history = async (env: TestEnv): Promise<HistoryEvent[]> => json<HistoryEvent[]>(await cli(env, 'history', 'mymaster', '--json'));

test('redis-zk: usage, help, and exit codes without a deployment', async (t) => {
  const help = await cli(process.env, '--help');
  t.is(help.code, 0);
  t.regex(help.out, /status[\s\S]*switchover[\s\S]*history[\s\S]*haproxy-config/);
  t.regex(help.out, /Exit codes/);
  const usage = await cli(process.env, 'switchover');
  t.is(usage.code, 2);
  t.regex(usage.err, /missing required argument 'set'/);
  t.is((await cli(process.env, 'history', 'a/b')).code, 2, 'a set name is checked before anything is asked');
  t.is((await cli(process.env, 'switchover', 'mymaster', '--to', 'nonsense')).code, 2);
  t.is((await cli(process.env, 'frobnicate')).code, 2);
  const noPassword = await cli({ PATH: process.env.PATH, ZK_HOSTS: '127.0.0.1:1' }, 'status');
  t.is(noPassword.code, 1, 'configured like the programs: a password is required');
  t.regex(noPassword.err, /REDIS_PASSWORD/);
  const noZk = await cli({ PATH: process.env.PATH, ZK_HOSTS: '127.0.0.1:1', REDIS_PASSWORD: 'x', ZK_AUTH: 'u:x' }, 'status');
  t.is(noZk.code, 1);
  t.regex(noZk.err, /^redis-zk: cannot reach ZooKeeper at 127\.0\.0\.1:1/m);
});

test('redis-zk runs from its three shipped files alone, as the image has it', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-cli-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const f of ['main.js', 'program.js', 'program.cache']) fs.copyFileSync(path.join(path.dirname(CLI), f), path.join(dir, f));
  fs.chmodSync(path.join(dir, 'main.js'), 0o755);
  const r = await new Promise<Run>((resolve) => {
    const child = spawn(path.join(dir, 'main.js'), ['--help'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.on('close', (code, signal) => resolve({ code, signal, out, err: '', ms: 0 }));
  });
  t.is(r.code, 0, r.out);
  t.regex(r.out, /^Usage: redis-zk/m);
});

test("status, switchover (Sentinel's choice, then --to), history: against a live deployment with two watchers", async (t) => {
  const env = await TestEnv.create(t);
  // As under Marathon: the agent's host name (and a task id) in every task's environment.
  const d: Deployment = await env.deploy({ watchers: 2, env: { HOST: 'agent-a', MESOS_TASK_ID: 'redis-zk_redis.test' } });
  const watcher = `http://127.0.0.1:${d.watchers[0]!.port}`;

  // --- status --------------------------------------------------------------------------------
  const table = await cli(env, 'status');
  t.is(table.code, 0, table.err);
  t.regex(table.out, new RegExp(`^mymaster: master ${d.master} up, .* 3/3 sentinels name it \\(quorum 2\\)`, 'm'));
  t.regex(table.out, /problems: none/);
  t.regex(table.out, /ROLE\s+ADDRESS\s+LINK\s+LAG\s+TAGS\s+TASK\s+AGENT/);
  const status = await waitFor(
    "the nodes' tasks and agents from their member records",
    async () => {
      const s = json<
        Record<
          string,
          {
            master: { port: number };
            masterAgent?: string;
            masterTask?: string;
            replicas: Array<{ role: string; linkStatus: string; lag: number | null; agent?: string }>;
            sentinelsAgreeing: number;
            sentinels: unknown[];
          }
        >
      >(await cli(env, 'status', '--json'));
      return s.mymaster?.masterAgent && s.mymaster.replicas.every((r) => r.agent) ? s : undefined;
    },
    15000,
    500,
  );
  t.is(status.mymaster!.masterAgent, 'agent-a');
  t.is(status.mymaster!.masterTask, 'redis-zk_redis.test');
  t.is(status.mymaster!.master.port, portOf(d.master));
  t.is(status.mymaster!.sentinelsAgreeing, 3);
  t.is(status.mymaster!.sentinels.length, 3);
  t.is(status.mymaster!.replicas.length, 2);
  for (const r of status.mymaster!.replicas) {
    t.is(r.role, 'replica');
    t.is(r.linkStatus, 'up');
    t.true(r.lag !== null);
  }

  // redis-server's own output is JSON lines in the wrapper's stream.
  const ready = d.redis[0]!.proc.log()
    .split('\n')
    .find((l) => l.includes('Ready to accept connections'));
  t.truthy(ready, 'redis-server logged that it is ready');
  t.like(JSON.parse(ready!), { server: env.baseEnv().REDIS_SERVER_BIN ?? 'redis-server', level: 30 });
  const monitoring = d.sentinels[0]!.proc.log()
    .split('\n')
    .find((l) => l.includes('+monitor master mymaster'));
  t.truthy(monitoring, 'Sentinel logged its +monitor');
  t.like(JSON.parse(monitoring!), { server: env.baseEnv().REDIS_SENTINEL_BIN ?? 'redis-sentinel', role: 'sentinel', level: 40 });
  t.false(
    d.redis[0]!.proc.log()
      .split('\n')
      .some((l) => l.trim() && !l.startsWith('{')),
    "every line of the task's output is JSON",
  );

  const [first] = await history(env);
  t.like(first, { cause: 'election', to: d.master });

  // --- refusals ------------------------------------------------------------------------------
  const unknown = await cli(env, 'switchover', 'nope');
  t.is(unknown.code, 4);
  t.regex(unknown.err, /no replica set "nope"/);
  const toMaster = await cli(env, 'switchover', 'mymaster', '--to', d.master);
  t.is(toMaster.code, 3);
  t.regex(toMaster.err, /^redis-zk: refused: .* is the master already/m);
  const toStranger = await cli(env, 'switchover', 'mymaster', '--to', '127.0.0.1:1');
  t.is(toStranger.code, 3);
  t.regex(toStranger.err, /is not a synced replica/);
  t.is((await cli(env, 'history', 'nope')).code, 4);

  // --- switchover, Sentinel's choice, writes flowing ---------------------------------------------
  const writer = new SteadyWriter(env, d);
  let writing = true;
  t.teardown(async () => {
    if (writing) await writer.stop().catch(() => undefined);
  }); // a failed test must not leave its client running
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 50);
  const done = await cli(env, 'switchover', 'mymaster');
  t.is(done.code, 0, done.err);
  const m = /switched over from (\S+) to (\S+) \(epoch (\d+); writes paused (\d+) ms; (\d+) ms in all\)/.exec(done.out);
  t.truthy(m, done.out);
  const [, from, to, epoch, pausedMs] = m!;
  t.is(from, d.master);
  t.not(to, d.master);
  await waitFor(
    'every sentinel to name the promoted replica',
    async () => (await Promise.all(d.sentinels.map((s) => sentinelMasterAddr(s.port, 'mymaster')))).every((m) => m === to),
    20000,
    100,
  );
  await waitFor('ZooKeeper names the new master', async () => (await d.dir.readMaster('mymaster'))?.raw === to, 20000);
  await waitFor('the old master a replica', async () => (await env.role(portOf(d.master))) === 'slave', 20000);
  const afterSwitch = Date.now();
  await waitFor('writes after the switchover', () => writer.ackedSince(afterSwitch) > 50, 30000);

  // --- switchover --to the old master ------------------------------------------------------------
  const back = await cli(env, 'switchover', 'mymaster', '--to', d.master, '--timeout', '40000');
  t.is(back.code, 0, back.err);
  t.regex(back.out, new RegExp(`switched over from ${to} to ${d.master}`));
  const afterBack = Date.now();
  await waitFor('writes after the second switchover', () => writer.ackedSince(afterBack) > 50, 30000);
  writing = false;
  const figures = await writer.stop();
  t.is(figures.lost, 0, 'no acknowledged write lost');
  for (const r of d.redis) {
    t.is(
      await env
        .redis(r.port)
        .config('GET', 'replica-priority')
        .then((x) => (x as string[])[1]),
      '100',
      `${r.address}: replica-priority restored; the CLI said: ${[done.err, back.err]
        .join('\n')
        .split('\n')
        .filter((l) => l.includes('replica-priority'))
        .join(' | ')}`,
    );
  }

  // --- the history: once per change, though two watchers saw each ----------------------------
  const events = await waitFor(
    'both switchovers in the history',
    async () => {
      const h = await history(env);
      return h.filter((e) => e.cause === 'switchover').length === 2 ? h : undefined;
    },
    20000,
  );
  t.deepEqual(
    events.map((e) => e.cause),
    ['election', 'switchover', 'switchover'],
    JSON.stringify(events, null, 1),
  );
  t.like(events[1], { from: d.master, to, epoch: Number(epoch), durationMs: Number(pausedMs) });
  t.regex(events[1]!.by, /^redis-zk on /);
  const asTable = await cli(env, 'history', 'mymaster');
  t.regex(asTable.out, /^TIME\s+CAUSE\s+FROM\s+TO\s+EPOCH\s+OUTAGE\s+GAP\s+BY\s+REASON/m);
  t.regex(asTable.out, /switchover/);

  // The watcher serves the same history, and its /status and metrics read it.
  t.deepEqual(await (await fetch(`${watcher}/history/mymaster`)).json(), events);
  t.is((await fetch(`${watcher}/history/nope`)).status, 404);
  const watcherStatus = (await (await fetch(`${watcher}/status`)).json()) as Record<string, { lastFailover: { cause: string }; recentChanges: HistoryEvent[] }>;
  t.is(watcherStatus.mymaster!.lastFailover.cause, 'switchover');
  t.is(watcherStatus.mymaster!.recentChanges.length, 3);
  const settled = [
    /redis_zk_failovers_total\{set="mymaster",cause="switchover"\} 2/,
    /redis_zk_set_sentinels_agreeing\{set="mymaster"\} 3/,
    /redis_zk_set_replicas_in_sync\{set="mymaster"\} 2/,
    /redis_zk_replica_lag_bytes\{set="mymaster",replica="127\.0\.0\.1:\d+"\} \d+/,
    /redis_zk_last_failover_duration_seconds\{set="mymaster"\} [\d.]+/,
    /redis_zk_view_stale_seconds 0/,
  ];
  let metrics = '';
  await waitFor(
    'the metrics to show the settled set and both switchovers',
    async () => {
      metrics = await (await fetch(`${watcher}/metrics`)).text();
      return settled.every((re) => re.test(metrics));
    },
    30000,
    1000,
  ).catch(() => undefined);
  for (const re of settled) t.regex(metrics, re);

  // --- a crash failover (kill -9 of the whole task): one entry, recorded by the watchers ----------
  const master = d.redis.find((r) => r.address === d.master)!;
  master.proc.killGroup('SIGKILL');
  const crashed = await waitFor(
    'the kill -9 failover in the history',
    async () => {
      const h = await history(env);
      return h.length === 4 ? h[3] : undefined;
    },
    30000,
  );
  t.like(crashed, { cause: 'sentinel-failover', from: d.master });
  t.regex(crashed.by, /^watcher /);
  t.true((crashed.durationMs ?? 0) > 0, 'the watcher measured the failover from the first +sdown');
  await new Promise((r) => setTimeout(r, 3000));
  t.is((await history(env)).length, 4, 'no second entry for the same failover (two watchers, +promoted-slave and +switch-master)');
  recordFigures(t, 'cli-switchover', {
    switchoverPausedMs: Number(pausedMs),
    writeOutageMs: figures.maxOutageMs,
    acked: figures.acked,
    lost: figures.lost,
    crashFailoverMs: crashed.durationMs ?? -1,
  });
});
