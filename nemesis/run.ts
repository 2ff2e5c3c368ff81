import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import pino from 'pino';
import { formatAddress } from '../packages/core/src/address';
import { parseInfo } from '../packages/core/src/redis/connect';
import { ZkClient } from '../packages/core/src/zk/client';
import { Directory } from '../packages/core/src/zk/directory';
import { sentinelsKnowSet } from '../packages/local-stack/src/deploy-set';
import { FAST_SENTINEL, sleep, waitFor } from '../packages/local-stack/src/harness';
import type { LocalTask } from '../packages/local-stack/src/launcher';
import { ManagedProcess } from '../packages/local-stack/src/managed-process';
import { freePort } from '../packages/local-stack/src/ports';
import { LocalStack } from '../packages/local-stack/src/stack';
import { ask, sentinelMaster } from '../test/helpers/sentinel';
import { TEST_PASSWORD } from '../test/helpers/secrets';
import { ROOT } from '../test/helpers/processes';
import { type Bounds, checkAll, convergenceMs, DEFAULT_BOUNDS, eventsAround, type Violation } from './checkers';
import { figuresOf, type Figures } from './figures';
import type { ClientName, History, HistoryEvent, OpEvent } from './history';
import { type App, describeFault, destroysData, type Fault, generateSchedule, type Schedule, type ScheduleOptions } from './schedule';

/**
 * One nemesis run: the local stack in loopback mode (ZooKeeper, 3 redis-wrappers, 3
 * sentinel-wrappers, 2 watchers, run from marathon/redis-zk.json as Marathon would), clients
 * and observers recording a history, the seed's schedule of faults, then convergence, the
 * read-back and the checkers.
 */

export interface RunOptions {
  seed: number;
  schedule?: ScheduleOptions;
  bounds?: Bounds;
  /** Where the history (JSON) and, with keepFiles, the deployment's files go. */
  outDir?: string;
  keepFiles?: boolean;
  say?: (line: string) => void;
}

export interface RunResult {
  seed: number;
  schedule: Schedule;
  violations: Array<Violation & { context: string[] }>;
  figures: Figures;
  historyFile: string;
  stackDir: string;
}

const SET = 'mymaster';
const APP_PROGRAM: Record<App, string> = { redis: 'redis-wrapper', sentinel: 'sentinel-wrapper', watcher: 'watcher' };
const addressOf = (t: LocalTask) => `127.0.0.1:${t.ports[0]}`;
const portOf = (a: string) => Number(a.split(':').at(-1));

/** Bounded: resolves with undefined when `p` takes longer than `ms`. */
const within = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([p.catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);

async function getJson(url: string, ms = 1000): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(ms) });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  } catch {
    return undefined;
  }
}

async function replicationOf(port: number): Promise<Map<string, string> | undefined> {
  try {
    return parseInfo(String(await ask(port, 'INFO', 'replication')));
  } catch {
    return undefined;
  }
}

/** Pids in process group `pgid` whose command is `comm` (/proc). */
function groupMembers(pgid: number, comm: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      if (Number(fields[2]) === pgid && name === comm) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

/**
 * A planned stop as Marathon's Docker executor does it with the image (bash execs the lone
 * command, so node gets `docker stop`'s SIGTERM): SIGTERM to the program under the task's
 * `sh -c`, SIGKILL of the group after the app's kill grace. (The launcher's own stop signals the
 * `sh` only, which dies of it without passing it on: the program would get only the SIGKILL.)
 */
async function plannedStop(t: LocalTask): Promise<void> {
  const programs = childrenOf(t.proc.pid);
  if (programs.length === 0) t.proc.kill('SIGTERM');
  for (const pid of programs) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  const timer = setTimeout(() => t.proc.killGroup('SIGKILL'), t.app.killGraceSeconds * 1000);
  await t.proc.exited;
  clearTimeout(timer);
  await t.proc.stop(0);
}

/** Pids whose parent is `ppid` (/proc). */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

export async function runNemesis(o: RunOptions): Promise<RunResult> {
  const say = o.say ?? (() => undefined);
  const bounds = o.bounds ?? DEFAULT_BOUNDS;
  const schedule = generateSchedule(o.seed, o.schedule);
  const outDir = o.outDir ?? path.join(ROOT, 'test-results', 'nemesis');
  fs.mkdirSync(outDir, { recursive: true });
  const events: HistoryEvent[] = [];
  const h: History = { seed: o.seed, startedAt: Date.now(), lastFaultEnd: 0, events };
  const rec = (e: HistoryEvent) => {
    events.push(e);
  };
  const note = (text: string) => {
    rec({ t: Date.now(), type: 'note', text });
    say(`  ${text}`);
  };

  say(`seed ${o.seed}: starting the stack`);
  const stack = await LocalStack.start({
    // Debug logs: every decision of the programs with its reason, kept with a run that found a violation.
    env: { ...FAST_SENTINEL, ZK_SESSION_TIMEOUT_MS: '4000', REDIS_PASSWORD: TEST_PASSWORD, LOG_LEVEL: 'debug' },
    backoffScale: 0.1,
  });
  const appOf = (program: string) => stack.appRunning(program);
  const tasksOf = (app: App) => stack.tasksRunning(APP_PROGRAM[app]).filter((t) => t.proc.running);
  const appName = (t: LocalTask) => (Object.keys(APP_PROGRAM) as App[]).find((a) => t.app.id === appOf(APP_PROGRAM[a]).id) ?? t.app.id;
  for (const t of stack.launcher.tasks.values()) rec({ t: t.startedAt, type: 'task-start', task: t.id, app: appName(t), address: addressOf(t) });
  stack.launcher.on('started', (t: LocalTask) => rec({ t: Date.now(), type: 'task-start', task: t.id, app: appName(t), address: addressOf(t) }));
  stack.launcher.on('exited', (t: LocalTask, exit: { code: number | null; signal: string | null }) =>
    rec({ t: Date.now(), type: 'task-exit', task: t.id, app: appName(t), address: addressOf(t), code: exit.code, signal: exit.signal }),
  );

  const zk = new ZkClient({ connectString: stack.zk.connectString, sessionTimeoutMs: 4000, log: pino({ level: 'silent' }) });
  const dir = new Directory(zk, '/redis', pino({ level: 'silent' }));
  const stoppers: Array<() => Promise<void>> = [];
  let running = true;
  let result: RunResult | undefined;
  try {
    await zk.waitConnected(30000);
    // Up as deploySet waits for it: a master, every node registered, sentinels that know the set, watchers healthy.
    await waitFor('a master in ZooKeeper', () => dir.readMaster(SET), 60000, 200);
    await waitFor('every redis task registered', async () => (await dir.listNodes(SET)).length === 3, 60000, 200);
    await waitFor('every sentinel registered', async () => (await dir.listSentinels()).length === 3, 60000, 200);
    await sentinelsKnowSet(
      sentinelMaster,
      tasksOf('sentinel').map((t) => ({ port: t.ports[0]! })),
      SET,
      2,
      60000,
    );
    for (const w of tasksOf('watcher'))
      await waitFor('watcher healthy', async () => (await getJson(`http://127.0.0.1:${w.ports[0]}/health`))?.status === 200, 60000, 200);
    say(`seed ${o.seed}: stack up in ${Date.now() - h.startedAt} ms; schedule:`);
    for (const f of schedule.faults) say(`  +${(f.at / 1000).toFixed(1)}s ${describeFault(f.fault)}`);

    // --- observers -------------------------------------------------------------------------
    let zkMaster: string | null = null;
    const loop = (everyMs: number, body: () => Promise<void>) => {
      const done = (async () => {
        while (running) {
          await body().catch(() => undefined);
          await sleep(everyMs);
        }
      })();
      stoppers.push(() => done);
    };
    let lastZk: { raw: string | null; epoch: number } | undefined;
    loop(30, async () => {
      // masters/<set> and epochs/<set> are two reads (in order on one session); the watcher changes
      // both in one multi-op. Two reads that agree on the master's version and the epoch bracket a
      // consistent pair (one read alone can pair the old address with the new epoch).
      const first = await within(dir.readMaster(SET), 1000);
      if (first === undefined) return;
      const m = await within(dir.readMaster(SET), 1000);
      if (m === undefined || (first?.version ?? -1) !== (m?.version ?? -1) || (first?.epoch ?? -1) !== (m?.epoch ?? -1)) return;
      const raw = m?.raw ?? null;
      const epoch = m?.epoch ?? -1;
      if (lastZk && lastZk.raw === raw && lastZk.epoch === epoch) return;
      const changed = Boolean(lastZk) && lastZk!.raw !== raw;
      lastZk = { raw, epoch };
      zkMaster = raw;
      const t = Date.now();
      rec({ t, type: 'zk-master', raw, epoch });
      if (changed && raw) {
        void (async () => {
          let role: string;
          try {
            const reply = (await ask(portOf(raw), 'ROLE')) as unknown[];
            role = String(reply[0]);
          } catch (err) {
            role = `dead (${String(err).slice(0, 80)})`;
          }
          rec({ t: Date.now(), type: 'zk-probe', address: raw, role, changedAt: t });
        })();
      }
    });
    const lastSentinels = new Map<string, string>();
    loop(200, async () => {
      await Promise.all(
        tasksOf('watcher').map(async (w) => {
          const a = addressOf(w);
          const r = await getJson(`http://127.0.0.1:${w.ports[0]}/sentinels`);
          const list = r && Array.isArray(r.body) ? (r.body as Array<{ host: string; port: number }>).map((s) => `${s.host}:${s.port}`).sort() : null;
          const key = `${r?.status ?? 0} ${JSON.stringify(list)}`;
          if (lastSentinels.get(a) === key) return;
          lastSentinels.set(a, key);
          rec({ t: Date.now(), type: 'sentinels', watcher: a, status: r?.status ?? 0, list });
        }),
      );
    });
    const lastNamed = new Map<string, string>();
    loop(250, async () => {
      await Promise.all(
        tasksOf('sentinel').map(async (task) => {
          const a = addressOf(task);
          let named: string;
          try {
            const reply = (await ask(task.ports[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SET)) as string[] | null;
            named = reply ? `${reply[0]}:${reply[1]}` : 'none';
          } catch {
            named = 'dead';
          }
          if (lastNamed.get(a) === named) return;
          lastNamed.set(a, named);
          rec({ t: Date.now(), type: 'sentinel-master', sentinel: a, master: named });
        }),
      );
    });
    const lastRole = new Map<string, string>();
    const roleNow = new Map<string, string>();
    loop(250, async () => {
      await Promise.all(
        tasksOf('redis').map(async (task) => {
          const a = addressOf(task);
          const r = await replicationOf(task.ports[0]!);
          const role = r?.get('role') ?? 'dead';
          const master = r?.get('role') === 'slave' ? `${r.get('master_host')}:${r.get('master_port')}` : undefined;
          const link = r?.get('master_link_status');
          roleNow.set(a, role);
          const key = `${role} ${master} ${link}`;
          if (lastRole.get(a) === key) return;
          lastRole.set(a, key);
          rec({ t: Date.now(), type: 'role', address: a, role, ...(master ? { master } : {}), ...(link ? { link } : {}) });
        }),
      );
    });

    // --- clients ---------------------------------------------------------------------------
    const zkAuth = fs.readFileSync(stack.secrets.file('redis-zk/zk-auth'), 'utf8');
    const sentinelsNow = async () => {
      for (const w of tasksOf('watcher')) {
        const r = await getJson(`http://127.0.0.1:${w.ports[0]}/sentinels`);
        if (r?.status === 200 && Array.isArray(r.body) && r.body.length > 0) return r.body as Array<{ host: string; port: number }>;
      }
      return undefined;
    };
    const client = (name: ClientName, wait: boolean) => {
      let redis: Redis | undefined;
      let lastOk = Date.now();
      const connect = async () => {
        const sentinels = await sentinelsNow();
        if (!sentinels) return;
        redis?.disconnect();
        redis = new Redis({
          sentinels,
          name: SET,
          password: TEST_PASSWORD,
          sentinelPassword: TEST_PASSWORD,
          sentinelRetryStrategy: () => 100,
          retryStrategy: () => 100,
          maxRetriesPerRequest: 0,
          commandTimeout: 2000,
          failoverDetector: true,
        });
        redis.on('error', () => undefined);
        lastOk = Date.now();
      };
      const done = (async () => {
        for (let i = 0; running; i += 1) {
          // A client that has had nothing through for 5 s asks /sentinels again (every sentinel it knew may be gone).
          if (!redis || Date.now() - lastOk > 5000) await connect();
          if (!redis) {
            await sleep(200);
            continue;
          }
          const key = `${name}:${i}`;
          const op: OpEvent = { type: 'op', client: name, key, start: Date.now(), end: 0, ok: false };
          try {
            await redis.set(key, String(i));
            const s1 = redis.stream;
            op.ok = true;
            op.master = s1 ? `${s1.remoteAddress}:${s1.remotePort}` : undefined;
            if (wait) {
              const replicas = Number(await redis.call('WAIT', '1', '1000'));
              const s2 = redis.stream;
              if (s2 !== s1) op.error = 'connection changed between SET and WAIT';
              else op.acked = replicas >= 1;
              if (!op.acked) op.error ??= `WAIT answered ${replicas}`;
            }
            if (op.ok && (!wait || op.acked)) lastOk = Date.now();
          } catch (err) {
            op.error = String(err).slice(0, 120);
          }
          op.end = Date.now();
          rec({ t: op.end, ...op });
          await sleep(op.ok ? 2 : 20);
        }
        redis?.disconnect();
      })();
      stoppers.push(() => done);
    };
    client('wait', true);
    client('plain', false);

    // HAProxy as marathon-lb runs it: the configuration `redis-zk haproxy-config` makes from
    // ZooKeeper, made again every second and reloaded (-sf) when tasks moved; a WAIT-1 writer
    // through its fixed write port. The node behind a connection: its INFO server tcp_port.
    const haproxyDir = path.join(stack.dir, 'haproxy');
    fs.mkdirSync(haproxyDir, { recursive: true });
    const writePort = await freePort();
    const readPort = await freePort();
    const haproxies: ManagedProcess[] = [];
    let haproxyConfig = '';
    const cliEnv = { PATH: process.env.PATH, ZK_HOSTS: stack.zk.connectString, ZK_ROOT: '/redis', REDIS_PASSWORD: TEST_PASSWORD, ZK_AUTH: zkAuth };
    const runCli = (args: string[], timeoutMs: number) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const cli = spawn(process.execPath, [path.join(ROOT, 'packages/cli/dist/main.js'), ...args], { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        cli.stdout.on('data', (d) => {
          out += d;
        });
        cli.stderr.on('data', (d) => {
          err += d;
        });
        const timer = setTimeout(() => cli.kill('SIGKILL'), timeoutMs);
        cli.once('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, out, err });
        });
      });
    const followHaproxy = async () => {
      const r = await runCli(['haproxy-config', SET, '--write-bind', `127.0.0.1:${writePort}`, '--read-bind', `127.0.0.1:${readPort}`], 5000);
      if (r.code !== 0 || r.out === haproxyConfig || !/^ {4}server /m.test(r.out)) return;
      haproxyConfig = r.out;
      const file = path.join(haproxyDir, `haproxy-${haproxies.length}.cfg`);
      fs.writeFileSync(file, r.out);
      const old = haproxies.filter((x) => x.running).map((x) => String(x.pid));
      haproxies.push(
        new ManagedProcess(`haproxy-${haproxies.length}`, '/usr/sbin/haproxy', ['-db', '-f', file, ...(old.length ? ['-sf', ...old] : [])], {
          env: { PATH: process.env.PATH },
          cwd: haproxyDir,
          logFile: path.join(haproxyDir, `haproxy-${haproxies.length}.log`),
        }),
      );
      rec({ t: Date.now(), type: 'note', text: `HAProxy (re)loaded: ${(r.out.match(/^ {4}server /gm) ?? []).length / 2} nodes` });
    };
    await followHaproxy();
    loop(1000, followHaproxy);
    stoppers.push(async () => {
      await Promise.all(haproxies.map((x) => x.stop(1000)));
    });
    {
      const redis = new Redis({
        host: '127.0.0.1',
        port: writePort,
        password: TEST_PASSWORD,
        maxRetriesPerRequest: 0,
        retryStrategy: () => 100,
        commandTimeout: 2000,
      });
      redis.on('error', () => undefined);
      let behind: { stream: unknown; node: string } | undefined;
      const done = (async () => {
        for (let i = 0; running; i += 1) {
          const key = `haproxy:${i}`;
          const op: OpEvent = { type: 'op', client: 'haproxy', key, start: Date.now(), end: 0, ok: false };
          try {
            if (behind?.stream !== redis.stream) {
              const port = /tcp_port:(\d+)/.exec(String(await redis.info('server')))?.[1];
              behind = { stream: redis.stream, node: `127.0.0.1:${port}` };
              op.start = Date.now();
            }
            await redis.set(key, String(i));
            const s1 = redis.stream;
            op.ok = true;
            if (behind.stream === s1) op.master = behind.node;
            const replicas = Number(await redis.call('WAIT', '1', '1000'));
            if (redis.stream !== s1) op.error = 'connection changed between SET and WAIT';
            else op.acked = replicas >= 1;
            if (!op.acked) op.error ??= `WAIT answered ${replicas}`;
          } catch (err) {
            op.error = String(err).slice(0, 120);
          }
          op.end = Date.now();
          rec({ t: op.end, ...op });
          await sleep(op.ok ? 2 : 20);
        }
        redis.disconnect();
      })();
      stoppers.push(() => done);
    }
    await sleep(1500);

    // --- the schedule ----------------------------------------------------------------------
    let zkAway = false;
    const masterTask = (): LocalTask | undefined => {
      const live = tasksOf('redis');
      return live.find((t) => addressOf(t) === zkMaster && roleNow.get(addressOf(t)) === 'master') ?? live.find((t) => roleNow.get(addressOf(t)) === 'master');
    };
    const target = (app: App, role: 'master' | 'replica' | undefined, pick: number): LocalTask | undefined => {
      if (app !== 'redis') {
        const live = tasksOf(app).sort((a, b) => a.startedAt - b.startedAt);
        return live[pick % Math.max(1, live.length)];
      }
      const m = masterTask();
      if (role === 'master') return m;
      const replicas = tasksOf('redis')
        .filter((t) => t !== m)
        .sort((a, b) => a.startedAt - b.startedAt);
      return replicas[pick % Math.max(1, replicas.length)];
    };
    /** Why a data-destroying fault may not run now (undefined: it may): the master and two replicas online, in sync. */
    const gate = async (): Promise<string | undefined> => {
      const m = masterTask();
      if (!m) return 'no live master';
      const r = await replicationOf(m.ports[0]!);
      if (r?.get('role') !== 'master') return `the master ${addressOf(m)} does not answer as master`;
      const live = new Set(tasksOf('redis').map(addressOf));
      const synced = [...r]
        .filter(([k]) => /^slave\d+$/.test(k))
        .map(([, v]) => Object.fromEntries(v.split(',').map((kv) => kv.split('=') as [string, string])))
        .filter((s) => s.state === 'online' && Number(s.lag) <= 1 && live.has(`${s.ip}:${s.port}`));
      return synced.length >= 2 ? undefined : `the master ${addressOf(m)} has ${synced.length} synced replicas (2 needed)`;
    };
    const readiness = async (app: App, t: LocalTask): Promise<boolean> => {
      if (app === 'sentinel') return (await dir.listSentinels()).some((s) => formatAddress(s.address) === addressOf(t));
      return (await getJson(`http://127.0.0.1:${t.ports[app === 'redis' ? 1 : 0]}/readiness`))?.status === 200;
    };
    let faultSeq = 0;
    const runFault = async (f: Fault): Promise<void> => {
      const id = ++faultSeq;
      const what = describeFault(f);
      const start = (tasks: LocalTask[]) => {
        const e = { t: Date.now(), type: 'fault-start' as const, id, what, tasks: tasks.map((x) => x.id), addresses: tasks.map(addressOf) };
        rec(e);
        say(`  +${((e.t - t0) / 1000).toFixed(1)}s ${what}: ${e.addresses.join(', ') || '-'}`);
      };
      const end = () => {
        const t = Date.now();
        rec({ t, type: 'fault-end', id, what });
        h.lastFaultEnd = Math.max(h.lastFaultEnd, t);
      };
      const skip = (reason: string) => {
        rec({ t: Date.now(), type: 'fault-skip', id, what, reason });
        say(`  +${((Date.now() - t0) / 1000).toFixed(1)}s skipped ${what}: ${reason}`);
      };
      if (destroysData(f) && f.kind !== 'rolling-restart') {
        const why = await gate();
        if (why) return skip(why);
      }
      switch (f.kind) {
        case 'kill-server': {
          const t = target('redis', f.role, f.pick);
          if (!t) return skip(`no ${f.role}`);
          const pids = groupMembers(t.proc.pid, 'redis-server');
          if (pids.length === 0) return skip(`no redis-server in ${t.id}`);
          start([t]);
          for (const pid of pids) process.kill(pid, 'SIGKILL');
          return end();
        }
        case 'kill-task': {
          const t = target(f.app, f.role, f.pick);
          if (!t) return skip(`no ${f.app} task`);
          start([t]);
          t.proc.killGroup('SIGKILL');
          await within(t.proc.exited, 10000);
          return end();
        }
        case 'stop-task': {
          const t = target(f.app, f.role, f.pick);
          if (!t) return skip(`no ${f.app} task`);
          start([t]);
          await plannedStop(t);
          return end();
        }
        case 'freeze': {
          const t = target(f.app, f.role, f.pick);
          if (!t) return skip(`no ${f.app} task`);
          start([t]);
          t.proc.killGroup('SIGSTOP');
          await sleep(f.ms);
          t.proc.killGroup('SIGCONT');
          return end();
        }
        case 'zk-outage': {
          if (zkAway) return skip('ZooKeeper is already away');
          zkAway = true;
          start([]);
          if (f.mode === 'hang') {
            stack.zk.pause();
            await sleep(f.ms);
            stack.zk.cont();
          } else {
            await stack.zk.stop();
            await sleep(f.ms);
            await stack.zk.resume();
          }
          zkAway = false;
          return end();
        }
        case 'switchover': {
          start([]);
          const { code, out, err } = await runCli(['switchover', SET], 60000);
          const output = out + err;
          note(`switchover exited ${code}: ${output.trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`);
          return end();
        }
        case 'rolling-restart': {
          const old = tasksOf(f.app).sort((a, b) => a.startedAt - b.startedAt);
          const order = [...old.slice(f.order % old.length), ...old.slice(0, f.order % old.length)];
          start([]);
          for (const t of order) {
            if (!t.proc.running) continue;
            if (f.app === 'redis') {
              // A rolling restart gated on readiness; the nemesis also waits for two synced replicas.
              const ok = await within(
                waitFor('two synced replicas', async () => !(await gate()), 30000, 300),
                31000,
              );
              if (!ok) {
                note(`rolling restart of redis stopped before ${t.id}: ${await gate()}`);
                break;
              }
            }
            rec({ t: Date.now(), type: 'fault-start', id, what: `${what}: stop ${t.id}`, tasks: [t.id], addresses: [addressOf(t)] });
            const before = new Set(stack.tasksRunning(APP_PROGRAM[f.app]).map((x) => x.id));
            await plannedStop(t);
            const ready = await within(
              waitFor(
                `a ready replacement of ${t.id}`,
                async () => {
                  for (const n of tasksOf(f.app)) if (!before.has(n.id) && (await readiness(f.app, n))) return true;
                  return false;
                },
                60000,
                200,
              ),
              61000,
            );
            if (!ready) {
              note(`rolling restart of ${f.app}: no ready replacement of ${t.id} within 60 s`);
              break;
            }
          }
          return end();
        }
      }
    };
    const t0 = Date.now();
    h.lastFaultEnd = t0;
    await Promise.all(
      schedule.faults.map(async (sf) => {
        await sleep(Math.max(0, t0 + sf.at - Date.now()));
        await runFault(sf.fault).catch((err) => note(`fault ${describeFault(sf.fault)} failed: ${String(err)}`));
      }),
    );
    say(`seed ${o.seed}: last fault ended at +${((h.lastFaultEnd - t0) / 1000).toFixed(1)}s; waiting for convergence`);

    // --- convergence ---------------------------------------------------------------------
    const unconverged = async (): Promise<string | undefined> => {
      const redis = tasksOf('redis');
      if (redis.length !== 3) return `${redis.length} live redis tasks`;
      const infos = await Promise.all(redis.map(async (t) => ({ a: addressOf(t), r: await replicationOf(t.ports[0]!) })));
      const masters = infos.filter((x) => x.r?.get('role') === 'master').map((x) => x.a);
      if (masters.length !== 1) return `${masters.length} masters (${infos.map((x) => `${x.a}=${x.r?.get('role') ?? 'dead'}`).join(', ')})`;
      const m = masters[0]!;
      for (const x of infos) {
        if (x.a === m) continue;
        const r = x.r;
        if (!r) return `${x.a} does not answer`;
        if (
          r.get('role') !== 'slave' ||
          `${r.get('master_host')}:${r.get('master_port')}` !== m ||
          r.get('master_link_status') !== 'up' ||
          r.get('master_sync_in_progress') !== '0'
        )
          return `${x.a} is not a synced replica of ${m} (${r.get('role')} of ${r.get('master_host')}:${r.get('master_port')}, link ${r.get('master_link_status')})`;
      }
      const zkNow = (await within(dir.readMaster(SET), 2000))?.raw;
      if (zkNow !== m) return `ZooKeeper names ${zkNow}, the live master is ${m}`;
      const sentinels = tasksOf('sentinel');
      if (sentinels.length !== 3) return `${sentinels.length} live sentinel tasks`;
      for (const s of sentinels) {
        const sm = await sentinelMaster(s.ports[0]!, SET);
        const named = sm ? `${sm.get('ip')}:${sm.get('port')}` : undefined;
        if (named !== m) return `sentinel ${addressOf(s)} names ${named}`;
      }
      for (const w of tasksOf('watcher')) {
        const st = await getJson(`http://127.0.0.1:${w.ports[0]}/status`, 3000);
        const set = (st?.body as Record<string, { problems: Array<{ kind: string; detail: string }>; stale: boolean }> | undefined)?.[SET];
        if (!set) return `watcher ${addressOf(w)} /status has no ${SET}`;
        if (set.stale) return `watcher ${addressOf(w)} /status is stale`;
        if (set.problems.length > 0) return `watcher ${addressOf(w)} reports ${set.problems.map((p) => `${p.kind}: ${p.detail}`).join('; ')}`;
      }
      return undefined;
    };
    const convergeDeadline = h.lastFaultEnd + bounds.convergeMs + 5000;
    let lastReason: string | undefined;
    for (;;) {
      const reason = await unconverged().catch((err) => `check failed: ${String(err)}`);
      const t = Date.now();
      if (!reason) {
        rec({ t, type: 'converge', ok: true });
        break;
      }
      if (reason !== lastReason) rec({ t, type: 'converge', ok: false, reason });
      lastReason = reason;
      if (t > convergeDeadline) {
        rec({ t, type: 'converge', ok: false, reason });
        break;
      }
      await sleep(500);
    }
    const conv = convergenceMs(h);
    say(`seed ${o.seed}: ${conv !== undefined ? `converged ${conv} ms after the last fault` : `not converged: ${lastReason}`}`);

    // --- stop the clients, read back -----------------------------------------------------
    running = false;
    await Promise.all(stoppers.map((s) => s()));
    const acked = events.filter((e): e is HistoryEvent & OpEvent => e.type === 'op' && e.acked === true).map((e) => e.key);
    // The acknowledged keys a node lacks (undefined: it did not answer).
    const lacking = async (address: string): Promise<string[] | undefined> => {
      const r = new Redis({
        host: '127.0.0.1',
        port: portOf(address),
        password: TEST_PASSWORD,
        maxRetriesPerRequest: 1,
        commandTimeout: 10000,
        lazyConnect: true,
      });
      r.on('error', () => undefined);
      try {
        await r.connect();
        const missing: string[] = [];
        for (let i = 0; i < acked.length; i += 1000) {
          const keys = acked.slice(i, i + 1000);
          const values = await r.mget(...keys);
          values.forEach((v, j) => {
            if (v === null) missing.push(keys[j]!);
          });
        }
        return missing;
      } catch {
        return undefined;
      } finally {
        r.disconnect();
      }
    };
    const finalMaster = (await within(dir.readMaster(SET), 5000))?.raw ?? null;
    const fromMaster = finalMaster ? await lacking(finalMaster) : undefined;
    if (finalMaster && fromMaster) rec({ t: Date.now(), type: 'read-back', master: finalMaster, checked: acked.length, missing: fromMaster });
    else {
      // No master to read from (the set did not converge): a key is lost only if no live node has it.
      const nodes = tasksOf('redis').map(addressOf);
      const answers = (await Promise.all(nodes.map(lacking))).filter((m): m is string[] => m !== undefined);
      if (answers.length === 0)
        rec({
          t: Date.now(),
          type: 'read-back',
          master: finalMaster,
          checked: 0,
          missing: [],
          error: `neither ZooKeeper's master ${finalMaster} nor any live node answered`,
        });
      else {
        const missing = answers.reduce((common, m) => {
          const set = new Set(m);
          return common.filter((k) => set.has(k));
        });
        rec({ t: Date.now(), type: 'read-back', master: `none answering; the union of ${answers.length} live nodes`, checked: acked.length, missing });
      }
    }
    rec({ t: Date.now(), type: 'teardown' });
    const violations = checkAll(h, bounds).map((v) => ({ ...v, context: eventsAroundFor(h, v.at) }));
    const figures = figuresOf(h, t0);
    const historyFile = path.join(outDir, `nemesis-${o.seed}.json`);
    fs.writeFileSync(historyFile, JSON.stringify({ seed: o.seed, schedule, violations, figures, history: h }));
    result = { seed: o.seed, schedule, violations, figures, historyFile, stackDir: stack.dir };
    return result;
  } finally {
    running = false;
    await Promise.all(stoppers.map((s) => s().catch(() => undefined)));
    if (!events.some((e) => e.type === 'teardown')) rec({ t: Date.now(), type: 'teardown' });
    zk.close();
    const keep = o.keepFiles || (result?.violations.length ?? 1) > 0;
    await stack.stop({ keepFiles: keep });
    if (keep) say(`seed ${o.seed}: deployment files kept in ${stack.dir}`);
  }
}

const eventsAroundFor = (h: History, at: number) => eventsAround(h, at, 3000).slice(0, 80);
