import { spawn } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Ours } from './deployment';
import { bareServer } from './discovery';
import { type Processes, until } from './lib';

export interface ApiFigures {
  rps: number;
  p50: number;
  p99: number /** Share of 200 answers. */;
  ok: number;
}

/**
 * `rate` requests a second to `url` for `seconds`, each on a new connection, as HAProxy's checks
 * are (and as both servers close every connection): 200/s is a hundred HAProxies checking every
 * 500 ms. Latency is from opening the connection to the whole answer, measured here (autocannon
 * counts its reconnection pauses in the latency of servers that close connections).
 */
/** A few answers other than 200, to say why (printed on stderr). */
export const reasons = new Set<string>();

async function load(url: string, seconds: number, rate = 200): Promise<ApiFigures> {
  const target = new URL(url);
  let ok = 0;
  const one = () =>
    new Promise<number>((resolve) => {
      const t0 = performance.now();
      const req = http.get({ host: target.hostname, port: target.port, path: target.pathname, agent: false, timeout: 5000 }, (res) => {
        if (res.statusCode === 200) ok += 1;
        let body = '';
        res.on('data', (b: Buffer) => {
          body += b.toString();
        });
        res.on('end', () => {
          if (res.statusCode !== 200 && reasons.size < 3) reasons.add(body.slice(0, 200));
          resolve(performance.now() - t0);
        });
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(Number.POSITIVE_INFINITY));
    });
  const latencies: number[] = [];
  const pending: Array<Promise<void>> = [];
  const started = performance.now();
  for (let i = 0; i < seconds * rate; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      one().then((ms) => {
        latencies.push(ms);
      }),
    );
  }
  await Promise.all(pending);
  const s = latencies.sort((x, y) => x - y);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { rps: s.length / seconds, p50: at(0.5), p99: at(0.99), ok: ok / Math.max(1, s.length) };
}

/**
 * redis-benchmark in a session of its own, as redis's clients are elsewhere in production: the
 * kernel groups CPU time by session (autogroup), and in this process's session it would share one
 * group with the measuring client and the bare server, measuring its own weight on them.
 */
const LOAD_SESSION = { stdio: 'ignore', detached: true } as const;

/** Keeps the master busy: redis-benchmark, 50 clients, pipelined, until stopped (it takes both cores with redis). */
export function busy(port: number): { stop(): void } {
  const child = spawn(
    'redis-benchmark',
    ['-h', '127.0.0.1', '-p', String(port), '-t', 'set,lpush,lrange_100', '-n', '100000000', '-c', '50', '-P', '16', '-q', '-l'],
    LOAD_SESSION,
  );
  return { stop: () => child.kill('SIGKILL') };
}

/**
 * Keeps the master blocked, not the machine: a Lua loop of ~0.1 s run again and again by one
 * client, so redis answers nobody else for most of the time (one core busy, the other free).
 * Short enough that Sentinel (down-after 2 s) never takes the master for down.
 */
function blocked(port: number): { stop(): void } {
  const script = 'local i = 0 while i < 1e7 do i = i + 1 end return i';
  const child = spawn('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-c', '1', '-n', '100000000', '-q', '-l', 'EVAL', script, '0'], LOAD_SESSION);
  return { stop: () => child.kill('SIGKILL') };
}

/**
 * The node API (`GET /primary` on the master's PORT1) while its redis is idle, busy (saturated
 * by redis-benchmark: the machine too) and blocked (a long script: redis answers nobody), each
 * round beside a bare node:http server under the same conditions (alternating which goes first).
 * The API answers from the node loop's last view, never from redis, so its latency should follow
 * the machine's, not redis's.
 */
export async function nodeApiRounds(ours: Ours, ps: Processes, rounds: number, seconds: number) {
  const root = '/bench-node-api';
  const d = await ours.deploy(ps, root, { watchers: 0 });
  const master = await until('a master', async () => (await d.dir.readMaster('mymaster'))?.address, 60000, 100);
  const task = d.redis.find((r) => r.port === master.port)!;
  const url = `http://127.0.0.1:${task.apiPort}/primary`;
  const body = await until(
    '/primary passes',
    async () => {
      const r = await fetch(url);
      return r.status === 200 ? r.text() : undefined;
    },
    60000,
    200,
  );
  const bare = await bareServer(body, '/primary', { closeEach: true });
  const out = {
    idle: [] as ApiFigures[],
    idleBare: [] as ApiFigures[],
    busy: [] as ApiFigures[],
    busyBare: [] as ApiFigures[],
    blocked: [] as ApiFigures[],
    blockedBare: [] as ApiFigures[],
  };
  try {
    for (let r = 0; r < rounds; r += 1) {
      const pair = <T>(a: () => Promise<T>, b: () => Promise<T>) => (r % 2 ? [b, a] : [a, b]);
      for (const run of pair(
        async () => out.idle.push(await load(url, seconds)),
        async () => out.idleBare.push(await load(bare.url, seconds)),
      ))
        await run();
      const b = busy(master.port);
      try {
        await new Promise((res) => setTimeout(res, 500));
        for (const run of pair(
          async () => out.busy.push(await load(url, seconds)),
          async () => out.busyBare.push(await load(bare.url, seconds)),
        ))
          await run();
      } finally {
        b.stop();
      }
      const k = blocked(master.port);
      try {
        await new Promise((res) => setTimeout(res, 500));
        for (const run of pair(
          async () => out.blocked.push(await load(url, seconds)),
          async () => out.blockedBare.push(await load(bare.url, seconds)),
        ))
          await run();
      } finally {
        k.stop();
      }
      const now = await d.dir.readMaster('mymaster');
      if (now?.address?.port !== master.port)
        throw new Error(`the master changed during round ${r + 1} (Sentinel took it for down): the figures would measure a replica`);
    }
  } finally {
    bare.close();
  }
  return out;
}
