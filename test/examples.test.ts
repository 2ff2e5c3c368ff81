import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import test from 'ava';
import { TestEnv } from './helpers/env';
import { recordFigures } from './helpers/figures';
import { freePort } from './helpers/ports';
import { Proc, ROOT } from './helpers/processes';
import { TEST_ACL_USERS, TEST_CLIENT_USERS } from './helpers/secrets';
import { FAST_SENTINEL } from './helpers/env';
import { sentinelMaster } from './helpers/sentinel';
import { waitFor } from './helpers/wait';

const HAPROXY = fs.existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
const CLI = path.join(ROOT, 'packages', 'cli', 'dist', 'main.js');

/** When each example last wrote, and what it printed (`<ISO time> <event>` lines). */
const lines = (p: Proc) => p.log().split('\n').filter(Boolean);
const writesAfter = (p: Proc, t: number) => lines(p).filter((l) => / write ok /.test(l) && Date.parse(l.split(' ')[0]!) > t).length;

// ioredis and redis-py refresh the list from the watcher and read from replicas; a plain client writes through HAProxy.
// The deployment has every ACL user: the examples log in as the application's user to redis and
// as the discovery user to Sentinel (docs/clients.md), never as the administrator.
test('the client examples across sentinels that all move and a kill -9 failover', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ env: TEST_ACL_USERS });
  const watcher = `http://127.0.0.1:${d.watchers[0]!.port}`;
  const [writePort, readPort] = await Promise.all([freePort(), freePort()]);
  const config = await waitFor(
    'an HAProxy config with every node',
    () => {
      const r = spawnSync(CLI, ['haproxy-config', 'mymaster', '--write-bind', `127.0.0.1:${writePort}`, '--read-bind', `127.0.0.1:${readPort}`], {
        env: env.baseEnv(),
        encoding: 'utf8',
      });
      return r.status === 0 && (r.stdout.match(/^ {4}server /gm) ?? []).length === 6 ? r.stdout : undefined;
    },
    20000,
    500,
  );
  fs.writeFileSync(path.join(env.dir, 'haproxy.cfg'), config);

  const start = (label: string, cmd: string, file: string, extra: NodeJS.ProcessEnv = {}) => {
    const p = new Proc(label, cmd, [path.join(ROOT, 'examples', file)], {
      env: { PATH: process.env.PATH, WATCHER_URL: watcher, ...TEST_CLIENT_USERS, SENTINEL_REFRESH_MS: '500', ...extra },
      cwd: ROOT,
      logFile: path.join(env.dir, `${label}.log`),
    });
    env.procs.push(p);
    return p;
  };
  const haproxy = new Proc('haproxy', HAPROXY, ['-db', '-f', path.join(env.dir, 'haproxy.cfg')], {
    env: { PATH: process.env.PATH },
    cwd: env.dir,
    logFile: path.join(env.dir, 'haproxy.log'),
  });
  env.procs.push(haproxy);
  const ioredis = start('ioredis', process.execPath, 'ioredis-sentinel-refresh.js');
  const py = start('redis-py', '/usr/bin/python3', 'redis_py_sentinel_refresh.py');
  const plain = start('plain', process.execPath, 'plain-haproxy-client.js', { REDIS_WRITE: `127.0.0.1:${writePort}`, REDIS_READ: `127.0.0.1:${readPort}` });
  const examples = [ioredis, py, plain];
  for (const p of examples) await waitFor(`${p.label} writing`, () => writesAfter(p, 0) > 5, 20000);
  for (const p of [ioredis, py]) await waitFor(`${p.label} reading from a replica`, () => lines(p).some((l) => / read from replica: \d+/.test(l)), 10000);

  // Every sentinel moves: the old ones stop (and leave ZooKeeper), three new ones start elsewhere.
  const old = d.sentinels.map((s) => s.address);
  await Promise.all(d.sentinels.map((s) => s.proc.stop(10000)));
  const fresh = await Promise.all([1, 2, 3].map(() => env.start('sentinel-wrapper', { ...FAST_SENTINEL, ...TEST_ACL_USERS })));
  const wanted = fresh
    .map((s) => s.address)
    .sort()
    .join(',');
  await waitFor(
    'the watcher lists only the new sentinels',
    async () =>
      ((await (await fetch(`${watcher}/sentinels`)).json()) as Array<{ host: string; port: number }>)
        .map((s) => `${s.host}:${s.port}`)
        .sort()
        .join(',') === wanted,
    30000,
    200,
  );
  const listedOnlyNewAt = Date.now();
  for (const p of [ioredis, py])
    await waitFor(`${p.label} to refresh its sentinels`, () => lines(p).some((l) => l.includes(`sentinels refreshed: ${wanted}`)), 10000);
  await waitFor(
    'the new sentinels know the replicas and each other',
    async () => {
      for (const s of fresh) {
        const m = await sentinelMaster(s.port, 'mymaster');
        if (!m || Number(m.get('num-slaves')) < 2 || Number(m.get('num-other-sentinels')) < 2) return false;
      }
      return true;
    },
    30000,
    200,
  );

  // kill -9 of the master's task: only the new sentinels can tell the clients where the new master is.
  const master = d.redis.find((r) => r.address === d.master)!;
  const killedAt = Date.now();
  master.proc.killGroup('SIGKILL');
  await waitFor(
    'a failover by the new sentinels',
    async () => {
      const m = await sentinelMaster(fresh[0]!.port, 'mymaster');
      return m && `${m.get('ip')}:${m.get('port')}` !== d.master;
    },
    30000,
    200,
  );
  const back: Record<string, number> = {};
  for (const p of examples) {
    await waitFor(`${p.label} writing after the failover`, () => writesAfter(p, killedAt + 500) > 3, 30000, 100);
    const first = lines(p).find((l) => / write ok /.test(l) && Date.parse(l.split(' ')[0]!) > killedAt + 500)!;
    back[p.label] = Date.parse(first.split(' ')[0]!) - killedAt;
  }
  for (const p of examples) {
    p.kill('SIGTERM');
    t.is((await p.exited).code, 0, `${p.label}: ${lines(p).slice(-3).join(' | ')}`);
    const summary = JSON.parse(/summary (\{.*\})$/.exec(lines(p).at(-1) ?? '')?.[1] ?? '{}') as Record<string, number>;
    t.true((summary.writes ?? 0) > 10, p.label);
  }
  // While the old sentinels stop one by one, a refresh may catch those still running; once the
  // watcher lists only the new ones, no refresh (every 500 ms, each fetch within 2 s) goes back.
  const staleRefresh = lines(ioredis).find(
    (l) => / sentinels refreshed: /.test(l) && Date.parse(l.split(' ')[0]!) > listedOnlyNewAt + 2500 && old.some((a) => l.includes(a)),
  );
  t.is(staleRefresh, undefined, 'no refreshed list names a stopped sentinel once the watcher has dropped them');
  recordFigures(t, 'client-examples', { killToIoredisWriteMs: back.ioredis!, killToRedisPyWriteMs: back['redis-py']!, killToPlainHaproxyWriteMs: back.plain! });
});
