import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { sleep } from '../packages/local-stack/src/harness';
import { ManagedProcess } from '../packages/local-stack/src/managed-process';
import { freePort } from '../packages/local-stack/src/ports';
import { TEST_PASSWORD } from '../test/helpers/secrets';
import { type RunContext, SET } from './context';
import type { ClientName, OpEvent } from './history';
import { getJson } from './probes';

/**
 * The clients: a WAIT-1 writer and a plain writer through Sentinel, and a WAIT-1 writer through
 * HAProxy as marathon-lb runs it. Every operation is recorded with the node that answered.
 */
export async function startClients(ctx: RunContext): Promise<void> {
  sentinelClient(ctx, 'wait', true);
  sentinelClient(ctx, 'plain', false);
  await haproxyClient(ctx);
}

/** The first non-empty /sentinels of a live watcher (announced addresses). */
async function sentinelsNow(ctx: RunContext): Promise<Array<{ host: string; port: number }> | undefined> {
  for (const w of ctx.tasksOf('watcher')) {
    const r = await getJson(`http://127.0.0.1:${w.local[0]}/sentinels`);
    if (r?.status === 200 && Array.isArray(r.body) && r.body.length > 0) return r.body as Array<{ host: string; port: number }>;
  }
  return undefined;
}

/** One SET (then WAIT 1 when `wait`) on `redis`, as an operation of the history. */
async function writeOnce(redis: Redis, op: OpEvent, i: number, wait: boolean, node: () => string | undefined): Promise<void> {
  try {
    await redis.set(op.key, String(i));
    const s1 = redis.stream;
    op.ok = true;
    op.master = node();
    if (wait) {
      const replicas = Number(await redis.call('WAIT', '1', '1000'));
      // A WAIT on another connection than its SET confirms nothing.
      if (redis.stream !== s1) op.error = 'connection changed between SET and WAIT';
      else op.acked = replicas >= 1;
      if (!op.acked) op.error ??= `WAIT answered ${replicas}`;
    }
  } catch (err) {
    op.error = String(err).slice(0, 120);
  }
  op.end = Date.now();
}

function sentinelClient(ctx: RunContext, name: ClientName, wait: boolean): void {
  let redis: Redis | undefined;
  let lastOk = Date.now();
  const connect = async () => {
    const sentinels = await sentinelsNow(ctx);
    if (!sentinels) return;
    redis?.disconnect();
    // Sentinel names nodes (and its peers) by their announced addresses: each is reached through
    // the deployment's loopback port for it (the same port in loopback mode).
    const natMap = (key: string) => {
      const port = ctx.dep.reach(key);
      return port === undefined ? null : { host: '127.0.0.1', port };
    };
    redis = new Redis({
      sentinels: sentinels.map((x) => natMap(`${x.host}:${x.port}`) ?? x),
      natMap,
      connectTimeout: 2000,
      name: SET,
      password: TEST_PASSWORD,
      sentinelPassword: TEST_PASSWORD,
      // Once the run ends nothing reconnects: ioredis starts a client's failover detector (its own
      // connections to every sentinel) when it has connected, also after a disconnect() made while
      // connecting, and such a detector retried for ever against the stopped deployment and kept the
      // test's worker alive until ava's 10-minute timeout (CI, stop 32: 1770 s).
      sentinelRetryStrategy: () => (ctx.running ? 100 : null),
      sentinelReconnectStrategy: () => (ctx.running ? 100 : null),
      retryStrategy: () => (ctx.running ? 100 : null),
      maxRetriesPerRequest: 0,
      commandTimeout: 2000,
      failoverDetector: true,
    });
    redis.on('error', () => undefined);
    lastOk = Date.now();
  };
  const done = (async () => {
    for (let i = 0; ctx.running; i += 1) {
      // A client that has had nothing through for 5 s asks /sentinels again (every sentinel it knew may be gone).
      if (!redis || Date.now() - lastOk > 5000) await connect();
      if (!redis) {
        await sleep(200);
        continue;
      }
      const r = redis;
      const op: OpEvent = { type: 'op', client: name, key: `${name}:${i}`, start: Date.now(), end: 0, ok: false };
      await writeOnce(r, op, i, wait, () => (r.stream?.remotePort ? ctx.dep.announced(r.stream.remotePort) : undefined));
      if (op.ok && (!wait || op.acked)) lastOk = Date.now();
      ctx.rec({ t: op.end, ...op });
      await sleep(op.ok ? 2 : 20);
    }
    redis?.disconnect();
  })();
  ctx.onStop(() => done);
}

/**
 * HAProxy as marathon-lb runs it: the configuration `redis-zk haproxy-config` makes from
 * ZooKeeper, made again every second and reloaded (-sf) when tasks moved, run where it reaches
 * the tasks (the model's infra namespace); a WAIT-1 writer through its fixed write port. The
 * node behind a connection: the server side's address of it (CLIENT INFO laddr).
 */
async function haproxyClient(ctx: RunContext): Promise<void> {
  const haproxyDir = path.join(ctx.dep.dir, 'haproxy');
  fs.mkdirSync(haproxyDir, { recursive: true });
  const writePort = await freePort();
  const readPort = await freePort();
  const haproxies: ManagedProcess[] = [];
  let config = '';
  const follow = async () => {
    const r = await ctx.runCli(['haproxy-config', SET, '--write-bind', `127.0.0.1:${writePort}`, '--read-bind', `127.0.0.1:${readPort}`], 5000);
    // The run stopped while the command ran: its stopper has stopped the HAProxies it saw; a new
    // one now would outlive the run (and keep the test's process, and ava, waiting: seen in CI).
    if (!ctx.running) return;
    if (r.code !== 0 || r.out === config || !/^ {4}server /m.test(r.out)) return;
    config = r.out;
    const n = haproxies.length;
    const file = path.join(haproxyDir, `haproxy-${n}.cfg`);
    fs.writeFileSync(file, r.out);
    const old = haproxies.filter((x) => x.running).map((x) => String(x.pid));
    const [cmd, args] = ctx.dep.wrap('/usr/sbin/haproxy', ['-db', '-f', file, ...(old.length ? ['-sf', ...old] : [])]);
    haproxies.push(
      new ManagedProcess(`haproxy-${n}`, cmd, args, {
        env: { PATH: process.env.PATH },
        cwd: haproxyDir,
        logFile: path.join(haproxyDir, `haproxy-${n}.log`),
      }),
    );
    ctx.rec({ t: Date.now(), type: 'note', text: `HAProxy (re)loaded: ${(r.out.match(/^ {4}server /gm) ?? []).length / 2} nodes` });
  };
  await follow();
  ctx.loop(1000, follow);
  ctx.onStop(async () => {
    await Promise.all(haproxies.map((x) => x.stop(1000)));
  });
  const redis = new Redis({
    host: '127.0.0.1',
    port: await ctx.dep.forward('127.0.0.1', writePort),
    password: TEST_PASSWORD,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 100,
    commandTimeout: 2000,
  });
  redis.on('error', () => undefined);
  let behind: { stream: unknown; node: string | undefined } | undefined;
  const done = (async () => {
    for (let i = 0; ctx.running; i += 1) {
      const op: OpEvent = { type: 'op', client: 'haproxy', key: `haproxy:${i}`, start: Date.now(), end: 0, ok: false };
      try {
        if (behind?.stream !== redis.stream) {
          const laddr = /\bladdr=(\S+)/.exec(String(await redis.call('CLIENT', 'INFO')))?.[1];
          behind = { stream: redis.stream, node: laddr };
          op.start = Date.now();
        }
      } catch (err) {
        op.error = String(err).slice(0, 120);
      }
      const s = behind?.stream;
      if (!op.error) await writeOnce(redis, op, i, true, () => (s === redis.stream ? behind?.node : undefined));
      else op.end = Date.now();
      ctx.rec({ t: op.end, ...op });
      await sleep(op.ok ? 2 : 20);
    }
    redis.disconnect();
  })();
  ctx.onStop(() => done);
}
