import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import Redis from 'ioredis';
import { EXAMPLE } from '../packages/cli/src/haproxy/example';
import { renderHaproxyConfig } from '../packages/cli/src/haproxy/render';
import { type Deployment, type Task, TestEnv } from './helpers/env';
import { recordFigures } from './helpers/figures';
import { type MarathonLbApp, renderMarathonLbService } from './helpers/marathon-lb';
import { freePort } from './helpers/ports';
import { Proc, ROOT } from './helpers/processes';
import { TEST_PASSWORD } from './helpers/secrets';
import { sentinelMasterAddr } from './helpers/sentinel';
import { firstSentinelSwitch } from './helpers/failovers';
import { sleep, waitFor } from './helpers/wait';

const HAPROXY = fs.existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
const CLI = path.join(ROOT, 'packages', 'cli', 'dist', 'main.js');

test("HAProxy is Debian's 2.6, and the shipped conf/haproxy.cfg is valid and the renderer's example", (t) => {
  const version = spawnSync(HAPROXY, ['-v'], { encoding: 'utf8' });
  t.regex(version.stdout, /^HAProxy version 2\.6\./m, "scripts/ensure-deps installs Debian bookworm's haproxy");
  const shipped = fs.readFileSync(path.join(ROOT, 'conf', 'haproxy.cfg'), 'utf8');
  t.is(shipped, renderHaproxyConfig(EXAMPLE), "conf/haproxy.cfg is kept equal to the example's rendering");
  const check = spawnSync(HAPROXY, ['-c', '-f', path.join(ROOT, 'conf', 'haproxy.cfg')], { encoding: 'utf8' });
  t.is(check.status, 0, check.stdout + check.stderr);
  for (const directive of ['option httpchk GET /primary', 'on-marked-down shutdown-sessions', 'check port 8008', 'option httpchk GET /replica?lag='])
    t.true(shipped.includes(directive), directive);
});

// Its health check on the API port is MESOS_HTTP, so marathon-lb forces mode http.
// Writes go to each task's redis port, checked at /primary on its API port.
test("marathon-lb's rendering of the shipped redis app: HAProxy accepts it; refused without HAPROXY_0_HTTP_FRONTEND_APPID_ACL", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-mlb-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const nodes = [31001, 31011, 31021].map((port) => ({ port, apiPort: port + 1, address: `127.0.0.1:${port}` })) as unknown as Task[];
  const check = (app: MarathonLbApp, name: string) => {
    const config = renderMarathonLbService({
      app,
      nodes,
      bind: '127.0.0.1',
      servicePort: 6379,
      appIdBind: '127.0.0.1:9091',
      statsSocket: path.join(dir, `${name}.sock`),
    });
    const file = path.join(dir, `${name}.cfg`);
    fs.writeFileSync(file, config);
    const r = spawnSync(HAPROXY, ['-c', '-f', file], { encoding: 'utf8' });
    return { config, ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
  };
  const shipped = check(redisApp(), 'shipped');
  t.true(shipped.ok, shipped.out + shipped.config);
  for (const n of nodes)
    t.regex(shipped.config, new RegExp(`server \\S+ 127\\.0\\.0\\.1:${n.port} id \\d+ check +port ${n.apiPort}\\n`), `${n.port}: checked on ${n.apiPort}`);
  t.regex(shipped.config, /backend redis-zk_redis_6379\n(.*\n)* {2}mode tcp\n(.*\n)* {2}option httpchk GET \/primary\n/);
  t.notRegex(shipped.config, /use_backend redis-zk_redis_6379 if/, 'not in the http frontend');
  const labels = { ...redisApp().labels };
  delete labels.HAPROXY_0_HTTP_FRONTEND_APPID_ACL;
  const without = check({ ...redisApp(), labels }, 'without-appid-acl');
  t.false(without.ok, "a tcp backend in marathon-lb's http frontend: HAProxy refuses the whole config");
  t.regex(without.out, /redis-zk_redis_6379/);
});

/** HAProxy's runtime API: each server's status (`UP`, `DOWN`, `UP 1/2`…) in a backend, by server address. */
async function serverStatus(socket: string, backend: string): Promise<Map<string, string>> {
  const csv = await new Promise<string>((resolve, reject) => {
    let out = '';
    const c = net.connect(socket, () => c.write('show stat\n'));
    c.setTimeout(2000, () => c.destroy(new Error('stats socket timeout')));
    c.on('data', (b) => {
      out += b.toString();
    });
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
  const [header, ...rows] = csv.replace(/^# /, '').trim().split('\n');
  const cols = header!.split(',');
  const at = (name: string) => cols.indexOf(name);
  const out = new Map<string, string>();
  for (const row of rows) {
    const f = row.split(',');
    if (f[at('pxname')] === backend && f[at('addr')]) out.set(f[at('addr')]!, f[at('status')]!);
  }
  return out;
}

/** An HAProxy process of the test's, stopped by pid at teardown. */
async function startHaproxy(env: TestEnv, label: string, config: string): Promise<Proc> {
  const dir = path.join(env.dir, label);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, config);
  const check = spawnSync(HAPROXY, ['-c', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`${label}: invalid config: ${check.stdout}${check.stderr}\n${config}`);
  const proc = new Proc(label, HAPROXY, ['-db', '-f', file], { env: { PATH: process.env.PATH }, cwd: dir, logFile: path.join(dir, 'out.log') });
  env.procs.push(proc);
  return proc;
}

/** Writes through one endpoint as fast as it can (one connection, reconnecting), remembering when each write was acknowledged. */
class Writes {
  /** Every one still running: stopped at the end of the test, whatever its outcome. */
  static readonly live = new Set<Writes>();
  readonly okAt: number[] = [];
  failed = 0;
  private running = true;
  private readonly loop: Promise<void>;
  constructor(
    readonly label: string,
    private readonly client: Redis,
  ) {
    client.on('error', () => undefined);
    Writes.live.add(this);
    this.loop = (async () => {
      for (let i = 0; this.running; i += 1) {
        try {
          await client.set(`${label}:${i}`, String(i));
          this.okAt.push(Date.now());
          await sleep(5);
        } catch {
          this.failed += 1;
          await sleep(20);
        }
      }
    })();
  }
  firstAfter(t: number): number | undefined {
    return this.okAt.find((x) => x > t);
  }
  async stop(): Promise<void> {
    this.running = false;
    Writes.live.delete(this);
    await this.loop;
    this.client.disconnect();
  }
}

/** A client without Sentinel support: host:port of the proxy, reconnecting quickly. */
function plainClient(port: number, name: string): Redis {
  const c = new Redis({
    host: '127.0.0.1',
    port,
    password: TEST_PASSWORD,
    connectionName: name,
    connectTimeout: 1000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => 20,
  });
  c.on('error', () => undefined);
  return c;
}

/** A plain client once connected (for one-off commands). */
async function connected(port: number, name: string): Promise<Redis> {
  const c = plainClient(port, name);
  if (c.status !== 'ready') await new Promise((resolve) => c.once('ready', resolve));
  return c;
}

async function sentinelClient(d: Deployment): Promise<Redis> {
  const sentinels = (await d.dir.listSentinels()).map((s) => ({ host: s.address.host, port: s.address.port }));
  const c = new Redis({
    sentinels,
    name: d.name,
    password: TEST_PASSWORD,
    sentinelPassword: TEST_PASSWORD,
    connectTimeout: 1000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => 20,
    sentinelRetryStrategy: () => 20,
  });
  c.on('error', () => undefined);
  return c;
}

/** The redis app as marathon/redis.json ships it (what marathon-lb reads of it: id, labels, health checks). */
const redisApp = (): MarathonLbApp => JSON.parse(fs.readFileSync(path.join(ROOT, 'marathon', 'redis.json'), 'utf8')) as MarathonLbApp;

// The generated config and marathon-lb's rendering of the labels alike.
test('HAProxy before a live set: plain clients write and read; a frozen-then-resumed master never passes; kill -9', async (t: ExecutionContext) => {
  const env = await TestEnv.create(t);
  t.teardown(() => Promise.all([...Writes.live].map((w) => w.stop())));
  const d = await env.deploy();
  const [writePort, readPort, mlbPort, mlbNoCheckPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const sockets = { gen: path.join(env.dir, 'gen.sock'), mlb: path.join(env.dir, 'mlb.sock'), bare: path.join(env.dir, 'bare.sock') };

  // The generated config: redis-zk haproxy-config, from what ZooKeeper lists (nodes, their API addresses).
  const config = await waitFor(
    "every node's API address in ZooKeeper",
    () => {
      const r = spawnSync(
        CLI,
        ['haproxy-config', 'mymaster', '--write-bind', `127.0.0.1:${writePort}`, '--read-bind', `127.0.0.1:${readPort}`, '--stats-socket', sockets.gen],
        { env: env.baseEnv(), encoding: 'utf8' },
      );
      return r.status === 0 && (r.stdout.match(/^ {4}server /gm) ?? []).length === 6 ? r.stdout : undefined;
    },
    20000,
    500,
  );
  for (const task of d.redis) t.true(config.includes(`${task.address} check port ${task.apiPort}`), task.address);
  await startHaproxy(env, 'haproxy-generated', config);
  const [appIdPort, appIdNoCheckPort] = await Promise.all([freePort(), freePort()]);
  const mlb = (app: MarathonLbApp, port: number, appIdPort: number, statsSocket: string) =>
    renderMarathonLbService({ app, nodes: d.redis, bind: '127.0.0.1', servicePort: port, appIdBind: `127.0.0.1:${appIdPort}`, statsSocket });
  await startHaproxy(env, 'haproxy-marathon-lb', mlb(redisApp(), mlbPort, appIdPort, sockets.mlb));
  await startHaproxy(env, 'haproxy-marathon-lb-without-api-check', mlb({ ...redisApp(), healthChecks: [] }, mlbNoCheckPort, appIdNoCheckPort, sockets.bare));
  const mlbBackend = `redis-zk_redis_${mlbPort}`;

  const primaryUp = async (socket: string, backend: string) => [...(await serverStatus(socket, backend))].filter(([, s]) => s.startsWith('UP')).map(([a]) => a);
  await waitFor(
    'HAProxy: exactly the master UP',
    async () => {
      const [gen, lb] = await Promise.all([primaryUp(sockets.gen, 'redis_mymaster_primary'), primaryUp(sockets.mlb, mlbBackend)]);
      return gen.join() === d.master && lb.join() === d.master;
    },
    20000,
    200,
  );
  // Without a health check on the API port the labels fail safe: the checks hit redis itself, which does not speak HTTP.
  await waitFor(
    'marathon-lb without an API check: no server UP',
    async () =>
      (await primaryUp(sockets.bare, `redis-zk_redis_${mlbNoCheckPort}`)).length === 0 &&
      (await serverStatus(sockets.bare, `redis-zk_redis_${mlbNoCheckPort}`)).size === 3,
    20000,
    200,
  );

  // A plain client writes through both; the read endpoint answers from a replica.
  for (const port of [writePort, mlbPort]) {
    const c = await connected(port, 'plain-check');
    t.is(await c.set(`plain:${port}`, 'x'), 'OK');
    t.is(((await c.role()) as unknown[])[0], 'master');
    c.disconnect();
  }
  await waitFor(
    'HAProxy: both replicas take reads',
    async () => [...(await serverStatus(sockets.gen, 'redis_mymaster_replicas'))].filter(([, s]) => s.startsWith('UP')).length === 2,
    20000,
    200,
  );
  const reader = await connected(readPort, 'plain-reader');
  t.is(((await reader.role()) as unknown[])[0], 'slave');
  t.is(await waitFor('the write read back from a replica', () => reader.get(`plain:${writePort}`), 5000), 'x');
  reader.disconnect();

  // --- a stale master: frozen for 3 x down-after, then resumed ---------------------------------------
  const frozen = d.redis.find((r) => r.address === d.master)!;
  const writes = new Writes('haproxy', plainClient(writePort, 'haproxy-writer'));
  await waitFor('writes through HAProxy', () => writes.okAt.length > 20);
  frozen.proc.killGroup('SIGSTOP');
  await sleep(3 * 2000);
  const newMaster = (await firstSentinelSwitch(d.sentinels, 'mymaster', frozen.address, 20000)).address;
  frozen.proc.killGroup('SIGCONT');
  const resumed = Date.now();
  const seen: string[] = [];
  let apiPassed = 0;
  let samples = 0;
  while (Date.now() - resumed < 30000) {
    const [gen, lb, api] = await Promise.all([
      serverStatus(sockets.gen, 'redis_mymaster_primary'),
      serverStatus(sockets.mlb, mlbBackend),
      fetch(`http://127.0.0.1:${frozen.apiPort}/primary`).then(
        (r) => r.status,
        () => 0,
      ),
    ]);
    samples += 1;
    if (api === 200) apiPassed += 1;
    for (const [where, s] of [
      ['generated', gen],
      ['marathon-lb', lb],
    ] as const) {
      const status = s.get(frozen.address) ?? 'missing';
      if (status.startsWith('UP')) seen.push(`${where}: ${status} at +${Date.now() - resumed} ms`);
    }
    if ((await env.role(frozen.port)) === 'slave' && samples > 5) break;
    await sleep(50);
  }
  t.deepEqual(seen, [], 'the resumed stale master is never UP in HAProxy, so no write reaches it through HAProxy');
  t.is(apiPassed, 0, 'its /primary never passed after the resume');
  t.is(await env.role(frozen.port), 'slave', 'it was demoted');
  const demotedMs = Date.now() - resumed;
  await waitFor('HAProxy on the new master', async () => (await primaryUp(sockets.gen, 'redis_mymaster_primary')).join() === newMaster, 20000, 200);
  const afterFreeze = Date.now();
  await waitFor('writes through HAProxy again', () => writes.firstAfter(afterFreeze), 20000);
  await writes.stop();

  // --- kill -9 of the master's task: a Sentinel client and plain clients through HAProxy --------------
  const victim = d.redis.find((r) => r.address === newMaster)!;
  const viaSentinel = new Writes('sentinel', await sentinelClient(d));
  const viaHaproxy = new Writes('gen', plainClient(writePort, 'gen-writer'));
  const viaMarathonLb = new Writes('mlb', plainClient(mlbPort, 'mlb-writer'));
  await waitFor('all three writing', () => [viaSentinel, viaHaproxy, viaMarathonLb].every((w) => w.okAt.length > 20));
  const killedAt = Date.now();
  victim.proc.killGroup('SIGKILL');
  // Where the time goes: Sentinel's switch, the new master's /primary, HAProxy marking it UP.
  const marks: { switched?: number; primary?: number; up?: number } = {};
  const survivors = d.redis.filter((r) => r !== victim);
  const watch = (async () => {
    while (Date.now() - killedAt < 40000 && marks.up === undefined) {
      const [sentinel, primaries, gen] = await Promise.all([
        sentinelMasterAddr(d.sentinels[0]!.port, 'mymaster').catch(() => undefined),
        Promise.all(
          survivors.map((r) =>
            fetch(`http://127.0.0.1:${r.apiPort}/primary`).then(
              (x) => x.status,
              () => 0,
            ),
          ),
        ),
        primaryUp(sockets.gen, 'redis_mymaster_primary').catch(() => [] as string[]),
      ]);
      const now = Date.now() - killedAt;
      if (marks.switched === undefined && sentinel && sentinel !== victim.address) marks.switched = now;
      if (marks.primary === undefined && primaries.includes(200)) marks.primary = now;
      if (gen.length > 0 && gen[0] !== victim.address) marks.up = now;
      await sleep(20);
    }
  })();
  const firsts = await waitFor(
    'every client writing again',
    () => {
      const f = [viaSentinel, viaHaproxy, viaMarathonLb].map((w) => w.firstAfter(killedAt + 200));
      return f.every((x) => x !== undefined) ? (f as number[]) : undefined;
    },
    40000,
    50,
  );
  await Promise.all([viaSentinel, viaHaproxy, viaMarathonLb].map((w) => w.stop()));
  await watch;
  const [sentinelMs, haproxyMs, marathonLbMs] = firsts.map((x) => x - killedAt) as [number, number, number];
  // Every sentinel learns the new master in its own time (the first one a client asks may be the last).
  await waitFor(
    'every sentinel to name the new master',
    async () => {
      const named = await Promise.all(d.sentinels.map((s) => sentinelMasterAddr(s.port, 'mymaster')));
      return named.every((m) => m && m !== victim.address);
    },
    20000,
    100,
  );
  for (const port of [writePort, mlbPort]) {
    const c = await connected(port, 'after');
    t.is(await c.set('after-kill', '1'), 'OK', 'writes land on the new master');
    c.disconnect();
  }
  recordFigures(t, 'haproxy', {
    staleMasterSamples: samples,
    staleMasterDemotedMs: demotedMs,
    killToSentinelClientMs: sentinelMs,
    killToHaproxyClientMs: haproxyMs,
    killToMarathonLbClientMs: marathonLbMs,
    haproxyAfterSentinelMs: haproxyMs - sentinelMs,
    marathonLbAfterSentinelMs: marathonLbMs - sentinelMs,
    killToSentinelSwitchedMs: marks.switched ?? -1,
    killToPrimaryPassesMs: marks.primary ?? -1,
    killToHaproxyUpMs: marks.up ?? -1,
  });
});
