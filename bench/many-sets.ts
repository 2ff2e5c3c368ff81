import { FAST_SENTINEL, type Ours } from './deployment';
import { serverPid, sentinelSwitched, settle } from './failover';
import { ask, type Processes, rssMb, sleep, until } from './lib';
import { PeakSampler, type Peaks } from './peaks';

/** The set the failover rounds crash: a master and a replica, among sets of one redis each. */
const PROBE = 'probe';

export interface ManySetsFigures {
  /** Start → every set has a master in ZooKeeper and every sentinel monitors every set. */
  readyMs: number;
  /** GET /status on the watcher, one request at a time, once ready. */
  statusMs: number[];
  /** redis-server of the probe set's master killed, its wrapper alive → a sentinel names another master. */
  failoverMs: number[];
  /** Resident memory after `restMs` idle, per program. */
  rest: Record<'redis-wrapper' | 'sentinel-wrapper' | 'watcher', number[]>;
  peaks: Peaks;
}

/**
 * `sets` replica sets on one Sentinel trio and one watcher, all started at once: sets - 1 of one
 * redis-wrapper each and the probe set of two (master + replica); then GET /status, the resting
 * footprint, and `rounds` crash failovers of the probe set (its master's redis-server killed
 * under a live wrapper, the wrapper's replacement started as Marathon would).
 */
export async function manySets(
  ours: Ours,
  ps: Processes,
  sets: number,
  o: { rounds: number; restMs: number; say: (m: string) => void },
): Promise<ManySetsFigures> {
  const root = `/bench-sets-${sets}-${Date.now()}`;
  const dir = ours.directory(root);
  const names = [...Array.from({ length: sets - 1 }, (_, i) => `set${i}`), PROBE];
  const sampler = new PeakSampler(() => [ps]);
  try {
    const started = Date.now();
    const [redis, sentinels, watchers] = await Promise.all([
      Promise.all([...names, PROBE].map((name) => ours.task(ps, 'redis-wrapper', root, { MASTER_NAME: name }))),
      Promise.all([1, 2, 3].map(() => ours.task(ps, 'sentinel-wrapper', root, FAST_SENTINEL))),
      Promise.all([ours.task(ps, 'watcher', root)]),
    ]);
    const sentinelPorts = sentinels.map((s) => s.port);
    await until(
      'a master in ZooKeeper for every set',
      async () => (await Promise.all(names.map((n) => dir.readMaster(n)))).every((m) => m?.address),
      180000,
      200,
    );
    await until(
      'every sentinel monitoring every set',
      async () => (await Promise.all(sentinelPorts.map((p) => ask(p, 'SENTINEL', 'MASTERS')))).every((m) => Array.isArray(m) && m.length === sets),
      180000,
      200,
    );
    const readyMs = Date.now() - started;
    o.say(`${sets} sets ready in ${readyMs} ms`);
    const watcher = watchers[0]!;
    await until('watcher healthy', async () => (await fetch(`http://127.0.0.1:${watcher.port}/health`).catch(() => null))?.status === 200, 60000, 200);
    const statusMs: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const t = performance.now();
      const r = await fetch(`http://127.0.0.1:${watcher.port}/status`);
      await r.text();
      statusMs.push(performance.now() - t);
    }
    await sleep(o.restMs);
    const rest = {
      'redis-wrapper': redis.filter((x) => x.proc.running).map((x) => rssMb(x.proc.pid)),
      'sentinel-wrapper': sentinels.map((x) => rssMb(x.proc.pid)),
      watcher: watchers.map((x) => rssMb(x.proc.pid)),
    };
    let probe = redis.slice(-2);
    const failoverMs: number[] = [];
    for (let r = 0; r < o.rounds; r += 1) {
      await settle(sentinelPorts, 1, PROBE);
      const masterPort = (await dir.readMaster(PROBE))!.address!.port;
      const victim = probe.find((x) => x.port === masterPort)!;
      const server = serverPid(victim.proc.pid);
      const killed = Date.now();
      process.kill(server, 'SIGKILL');
      await sentinelSwitched(sentinelPorts, masterPort, PROBE);
      failoverMs.push(Date.now() - killed);
      o.say(`${sets} sets: probe failover ${r + 1}/${o.rounds} ${failoverMs.at(-1)} ms`);
      await victim.proc.exited;
      probe = [...probe.filter((x) => x !== victim), await ours.task(ps, 'redis-wrapper', root, { MASTER_NAME: PROBE })];
    }
    return { readyMs, statusMs, failoverMs, rest, peaks: sampler.stop() };
  } finally {
    sampler.stop();
  }
}
