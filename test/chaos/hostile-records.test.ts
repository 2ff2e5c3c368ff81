import test from 'ava';
import { cli } from '../helpers/cli';
import { TestEnv } from '../helpers/env';
import { ask } from '../helpers/sentinel';
import { sleep, waitFor } from '../helpers/wait';

// Hostile records where redis-zk reads (#26): written into ZooKeeper by someone with write access
// there, against a live deployment. Each is skipped where it is read, logged, and never crashes a
// program, holds back another set, reaches a generated file or Sentinel as anything but data,
// or reaches the operator's terminal with control characters.

const ESC = '\u001b';

test.serial('hostile ZooKeeper records: skipped and logged; every program, the CLI and the live set carry on', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 1 });
  const zk = d.dir.zk;
  const root = env.root;
  const watcher = `http://127.0.0.1:${d.watchers[0]!.port}`;

  // A set named as a glob (SENTINEL RESET takes a pattern), a set whose master is a name (Sentinel
  // runs without resolve-hostnames), an address with HAProxy's comment character, a history entry
  // whose time no Date holds and whose texts hold terminal escape sequences.
  await zk.createWithParents(`${root}/masters/*`, d.master);
  await zk.createWithParents(`${root}/masters/named`, 'redis.invalid:6379');
  await zk.createWithParents(`${root}/nodes/mymaster/junk`, '10.0.0.1#x:6379');
  await zk.createWithParents(
    `${root}/history/mymaster/e-9999999999`,
    JSON.stringify({ at: 1e20, from: null, to: d.master, cause: 'recovery', epoch: 0, by: 'x', reason: 'y' }),
  );
  await zk.createWithParents(
    `${root}/history/mymaster/e-9999999998`,
    JSON.stringify({ at: Date.now(), from: null, to: d.master, cause: 'recovery', epoch: 0, by: `evil${ESC}[2J`, reason: `clear${ESC}]0;title\u0007` }),
  );

  // Let every program's periodic reads come round (the sentinel-wrappers check every 5 s).
  await sleep(7000);

  for (const s of d.sentinels) {
    const names = ((await ask(s.port, 'SENTINEL', 'MASTERS')) as string[][]).map((m) => m[m.indexOf('name') + 1]);
    t.deepEqual(names, ['mymaster'], `sentinel ${s.port} monitors mymaster only (no '*', no name it cannot resolve)`);
    t.false(/\+reset-master/.test(s.proc.log()), `sentinel ${s.port} was never reset`);
    t.true(s.proc.running);
  }
  for (const task of [...d.redis, ...d.sentinels, ...d.watchers]) {
    t.true(task.proc.running, `${task.proc.label} runs`);
    t.false(/"level":60|Unhandled|uncaught/i.test(task.proc.log()), `${task.proc.label}: nothing fatal in its log`);
  }
  t.true(d.watchers[0]!.proc.log().includes('"path":"/redis/masters/*"'), 'the watcher logged the set name it skipped');

  const status = await fetch(`${watcher}/status`);
  t.is(status.status, 200, '/status answers');
  const body = (await status.json()) as Record<string, unknown>;
  t.deepEqual(Object.keys(body).sort(), ['mymaster', 'named'], '/status: the glob is not a set; the named one is reported as it is');
  t.is((await fetch(`${watcher}/metrics`)).status, 200, '/metrics answers');
  const history = await fetch(`${watcher}/history/mymaster`);
  t.is(history.status, 200);
  t.false(JSON.stringify(await history.json()).includes('1e+20'), 'the entry with an impossible time is left out');

  for (const args of [['status'], ['history', 'mymaster'], ['history', 'mymaster', '--json']]) {
    const r = await cli(env, ...args);
    t.is(r.code, 0, `redis-zk ${args.join(' ')}: ${r.err}`);
    t.false(r.out.includes(ESC) || r.out.includes('\u0007'), `redis-zk ${args.join(' ')}: no control characters reach the terminal`);
  }
  const haproxy = await cli(env, 'haproxy-config', 'mymaster');
  t.is(haproxy.code, 0, haproxy.err);
  t.false(haproxy.out.includes('10.0.0.1#x'), 'the junk node is not in the HAProxy configuration');
  t.is((await cli(env, 'haproxy-config', 'mymaster', '--stats-socket', '/tmp/a b#c')).code, 2, 'a stats socket path outside the grammar is refused');

  // And the live set still fails over.
  const master = d.redis.find((r) => r.address === d.master)!;
  master.proc.killGroup('SIGKILL');
  await waitFor(
    'ZooKeeper to name a new master',
    async () => {
      const m = await d.dir.readMaster('mymaster').catch(() => null);
      return m?.raw !== d.master && m?.address ? (await env.role(m.address.port)) === 'master' : false;
    },
    30_000,
  );
});
