/**
 * `npm run bench`: every comparison measured side by side in the same run, interleaved, several
 * rounds, median and p95. Prints one table and writes bench/results.json.
 * BENCH_QUICK=1 runs fewer rounds (a smoke run).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootstrapOurs, bootstrapPlain } from './bootstrap';
import { Ours } from './deployment';
import { bareServer, type HttpFigures, load } from './discovery';
import { dataPathPairs } from './datapath';
import { busy, nodeApiRounds, reasons as nodeApiRefusals } from './node-api';
import { medianOfRoundRatios, ratioOfMedians, stats, throughputRatio } from './figures';
import { type FailoverRig, type FailoverTimes, oursFailoverRig, plainFailoverRig } from './failover';
import { VARS } from '../packages/core/src/config/vars';
import { CLIENTS, type Client, type Gap, oursSwitchoverRig, perClientOf, plainSwitchoverRig } from './switchover';
import { oursColdRestart, plainColdRestart } from './cold-restart';
import { parseInfo } from '../packages/core/src/redis/connect';
import { ask, clientsOnly, onlineReplicas, Processes, ROOT, rssMb, sleep, until } from './lib';
import { manySets } from './many-sets';
import { netnsSupport } from '../packages/local-stack/src/netns';
import { PARTITION_MS, partitionRigs } from './partition';
import { PeakSampler, recordPeaks } from './peaks';

const quick = process.env.BENCH_QUICK === '1';
/** BENCH_ONLY=crash, node-api, discovery, switchover, fencing, partition, cold-restart, bootstrap, footprint or many-sets: that section alone (the table and results-<section>.json hold only its rows). */
const only = process.env.BENCH_ONLY;
type Row = {
  metric: string;
  ours: ReturnType<typeof stats>;
  base?: ReturnType<typeof stats>;
  unit: string;
  goal?: string;
  ratio?: number;
  samples: { ours: number[]; base?: number[] };
};
const rows: Row[] = [];
const say = (m: string) => process.stderr.write(`bench: ${m}\n`);
/** Resident memory of each running process of `ps` whose label starts with `prefix`. */
const rss = (ps: Processes, prefix: string) => ps.all.filter((x) => x.label.startsWith(prefix) && x.running).map((x) => rssMb(x.pid));

/** ours/baseline: `ratioOf` if given, else the median of the per-round ratios (figures.ts). */
function row(metric: string, unit: string, ours: number[], base?: number[], goal?: string, ratioOf = medianOfRoundRatios) {
  const o = stats(ours);
  const b = base ? stats(base) : undefined;
  const ratio = base ? ratioOf(ours, base) : undefined;
  rows.push({ metric, unit, ours: o, base: b, goal, ratio, samples: { ours, base } });
}

/** 3b. The node API (redis-wrapper's PORT1) while redis is busy, beside a bare node:http server. */
async function nodeApiSection(ours: Ours): Promise<void> {
  const api = new Processes();
  try {
    say('node API: GET /primary, redis idle and busy');
    const n = await nodeApiRounds(ours, api, quick ? 1 : 6, quick ? 2 : 3);
    row(
      'node API: GET /primary p99, redis idle',
      'ms',
      n.idle.map((x) => x.p99),
      n.idleBare.map((x) => x.p99),
      'p99 < 5 ms',
    );
    row(
      'node API: GET /primary p99, redis busy (redis-benchmark)',
      'ms',
      n.busy.map((x) => x.p99),
      n.busyBare.map((x) => x.p99),
      'p99 < 5 ms',
    );
    row(
      'node API: GET /primary p50, redis busy (redis-benchmark)',
      'ms',
      n.busy.map((x) => x.p50),
      n.busyBare.map((x) => x.p50),
    );
    row(
      'node API: GET /primary p99, redis blocked (a long script)',
      'ms',
      n.blocked.map((x) => x.p99),
      n.blockedBare.map((x) => x.p99),
      'p99 < 5 ms',
    );
    row(
      'node API: GET /primary answered 200, redis busy (share)',
      '',
      n.busy.map((x) => x.ok),
    );
    row(
      'node API: GET /primary answered 200, redis blocked (share)',
      '',
      n.blocked.map((x) => x.ok),
    );
    for (const r of nodeApiRefusals) say(`node API answered: ${r}`);
  } finally {
    await api.dispose();
  }
}

/**
 * 2b. Fencing: the master frozen, then resumed (ours: its wrapper demotes it on its first look;
 * plain: Sentinel converts it once it has seen it report master for a while), and the master left
 * alone on the minority side (ours: its wrapper pauses writes; plain: min-replicas-max-lag).
 */
async function fencingSection(plain: FailoverRig, mine: FailoverRig): Promise<void> {
  const fp: number[] = [];
  const fo: number[] = [];
  const mp: Array<Awaited<ReturnType<typeof plain.minority>>> = [];
  const mo: typeof mp = [];
  const fenceRounds = quick ? 2 : 6;
  // Every freeze first: a minority round freezes sentinels, which then stay in TILT for 30 s and
  // fail nothing over meanwhile (settle waits that out, but a round would start late).
  for (let r = 0; r < fenceRounds; r += 1) {
    say(`freeze round ${r + 1}/${fenceRounds}`);
    const pair = [async () => fp.push(await plain.freeze()), async () => fo.push(await mine.freeze())];
    for (const run of r % 2 ? pair.reverse() : pair) await run();
  }
  for (let r = 0; r < fenceRounds; r += 1) {
    say(`minority round ${r + 1}/${fenceRounds}`);
    const cut = [async () => mp.push(await plain.minority()), async () => mo.push(await mine.minority())];
    for (const run of r % 2 ? cut.reverse() : cut) await run();
  }
  row('fence: master task frozen 3× down-after, resumed → old master is a replica', 'ms', fo, fp, '<= 1500 ms');
  row(
    'minority: master cut off (replicas, 2 of 3 sentinels, ZooKeeper frozen) → its last acknowledged write',
    'ms',
    mo.map((x) => x.ackedForMs),
    mp.map((x) => x.ackedForMs),
    '<= 2000 ms',
  );
  row(
    'minority: writes the cut-off master acknowledged (a client writing one at a time)',
    '',
    mo.map((x) => x.acked),
    mp.map((x) => x.acked),
  );
}

/**
 * 2c. A partition on the Marathon model (network namespaces: root only): the master's agent cut
 * off for 30 s, healed; when the old master is a replica again (#29 point 8). Rounds alternate.
 */
async function partitionSection(): Promise<void> {
  const support = netnsSupport();
  if (!support.ok) {
    say(`partition: skipped, the Marathon model needs network namespaces (${support.reason})`);
    return;
  }
  say('partition: the shipped group and plain Redis + Sentinel on the Marathon model');
  const rigs = await partitionRigs(say);
  let passed = false;
  try {
    const o: number[] = [];
    const p: number[] = [];
    const rounds = quick ? 1 : 5;
    for (let r = 0; r < rounds; r += 1) {
      say(`partition round ${r + 1}/${rounds}`);
      const pair = [async () => p.push(await rigs.plain()), async () => o.push(await rigs.ours())];
      for (const run of r % 2 ? pair.reverse() : pair) await run();
    }
    say(`partition rounds: ours ${o.join(', ')} ms; plain ${p.join(', ')} ms`);
    row(`partition: the master's agent cut off ${PARTITION_MS / 1000} s, healed → old master is a replica`, 'ms', o, p, '<= 1500 ms');
    passed = true;
  } finally {
    await rigs.stop(passed);
  }
}

/**
 * 2a. redis-server dies (a crash, an OOM kill) under a live wrapper: ours asks Sentinel to fail
 * over at once; plain Sentinel waits for down-after-milliseconds. Both at the shipped down-after
 * (the goal is a ratio to plain Sentinel as shipped), on rigs of their own.
 */
async function crashSection(ours: Ours, ps: Processes): Promise<void> {
  const downAfterMs = Number(VARS.SENTINEL_DOWN_AFTER_MS.default);
  const plain = await plainFailoverRig(ps, { downAfterMs, label: '-shipped' });
  const mine = await oursFailoverRig(ours, ps, { downAfterMs, label: '-shipped' });
  try {
    const p: FailoverTimes[] = [];
    const o: FailoverTimes[] = [];
    const rounds = quick ? 2 : 6;
    for (let r = 0; r < rounds; r += 1) {
      say(`crash round ${r + 1}/${rounds} (down-after ${downAfterMs})`);
      const pair = [async () => p.push(await plain.round('server')), async () => o.push(await mine.round('server'))];
      for (const run of r % 2 ? pair.reverse() : pair) await run();
    }
    const at = `down-after ${downAfterMs} as shipped`;
    row(
      `crash: redis-server dies, wrapper alive → Sentinel switched (${at})`,
      'ms',
      o.map((x) => x.sentinel),
      p.map((x) => x.sentinel),
    );
    row(
      `crash: redis-server dies, wrapper alive → ioredis Sentinel client writes (${at})`,
      'ms',
      o.map((x) => x.sentinelClient),
      p.map((x) => x.sentinelClient),
      'ratio <= 0.3; aim 1000 ms',
    );
  } finally {
    await plain.dispose();
    await mine.dispose();
  }
}

/** Runs `use` with processes of its own, all stopped (and their files removed) afterwards. */
async function withProcesses<T>(use: (ps: Processes) => Promise<T>): Promise<T> {
  const ps = new Processes();
  try {
    return await use(ps);
  } finally {
    await ps.dispose();
  }
}

/** 2b. Planned restarts under a WAIT-1 writer: ours (SIGTERM, the wrapper hands over) beside plain Sentinel (SENTINEL FAILOVER, then stop). */
async function switchoverSection(ours: Ours): Promise<void> {
  const ps = new Processes();
  try {
    say('switchover: setting up plain Sentinel and our deployment');
    const plain = await plainSwitchoverRig(ps);
    const mine = await oursSwitchoverRig(ours, ps);
    const series = () => ({ ours: [] as number[], base: [] as number[] });
    const planned = perClientOf(series);
    const rolling = perClientOf(series);
    const record = (into: typeof planned, side: 'ours' | 'base', g: Gap) => {
      for (const c of CLIENTS) into[c][side].push(g.gapMs[c]);
    };
    const rounds = quick ? 2 : 6;
    for (let r = 0; r < rounds; r += 1) {
      say(`planned restart round ${r + 1}/${rounds}`);
      const pair = [async () => record(planned, 'base', await plain.plannedRestart()), async () => record(planned, 'ours', await mine.plannedRestart())];
      for (const run of r % 2 ? pair.reverse() : pair) await run();
    }
    const rollingRounds = quick ? 1 : 3;
    for (let r = 0; r < rollingRounds; r += 1) {
      say(`rolling restart round ${r + 1}/${rollingRounds}`);
      const pair = [
        async () => record(rolling, 'base', await plain.rollingRestart()),
        async () => {
          const g = await mine.rollingRestart();
          record(rolling, 'ours', g);
          say(
            `  ours, per stop: ${g.stops.map((x) => `${x.master ? 'master' : 'replica'} ${CLIENTS.map((c) => `${c} ${x.gapMs[c]}`).join('/')} ms`).join(', ')}`,
          );
        },
      ];
      for (const run of r % 2 ? pair.reverse() : pair) await run();
    }
    const lostBase = await plain.dispose();
    const lostOurs = await mine.dispose();
    // The ioredis rows keep their names (earlier results); redis-py's say so.
    const by = (c: Client) => (c === 'ioredis' ? '' : ` (${c})`);
    for (const c of CLIENTS) {
      row(`planned restart of the master under a WAIT-1 writer${by(c)}: longest write gap`, 'ms', planned[c].ours, planned[c].base, '<= 500 ms');
      row(`rolling restart of the redis app (3 nodes)${by(c)}: longest write gap`, 'ms', rolling[c].ours, rolling[c].base, '<= 500 ms');
    }
    const lost = (x: typeof lostOurs) => CLIENTS.reduce((n, c) => n + x[c].lost, 0);
    row('planned and rolling restarts: acknowledged writes lost', '', [lost(lostOurs)], [lost(lostBase)], '0', () => undefined);
    say(
      `switchover: acknowledged writes ours ${CLIENTS.map((c) => `${c} ${lostOurs[c].acked}`).join(', ')}; plain ${CLIENTS.map((c) => `${c} ${lostBase[c].acked}`).join(', ')}`,
    );
  } finally {
    await ps.dispose();
  }
}

interface HttpServer {
  port: number;
  pid: number;
}

/**
 * 3. Discovery: GET /sentinels on the watcher beside a bare node:http server answering the same
 * bytes, in turns whose order rotates round by round so drift on the machine hits all alike.
 * `fresh`, if given: a second watcher that followed no failover, its CPU per request beside.
 */
async function discoverySection(watcher: HttpServer, fresh?: HttpServer): Promise<void> {
  const url = (port: number) => `http://127.0.0.1:${port}/sentinels`;
  const body = await (await fetch(url(watcher.port))).text();
  const bare = await bareServer(body, '/sentinels');
  const seconds = quick ? 2 : 3;
  const ws: HttpFigures[] = [];
  const bs: HttpFigures[] = [];
  const fw: HttpFigures[] = [];
  try {
    for (let r = 0; r < (quick ? 1 : 10); r += 1) {
      say(`discovery round ${r + 1}`);
      const turns = [
        async () => ws.push(await load(url(watcher.port), seconds, watcher.pid)),
        async () => bs.push(await load(bare.url, seconds, bare.pid)),
        ...(fresh ? [async () => fw.push(await load(url(fresh.port), seconds, fresh.pid))] : []),
      ];
      for (let k = 0; k < turns.length; k += 1) await turns[(r + k) % turns.length]!();
    }
  } finally {
    bare.close();
  }
  row(
    'discovery: GET /sentinels req/s at 50 connections',
    'req/s',
    ws.map((x) => x.rps),
    bs.map((x) => x.rps),
    'ratio >= 0.8',
  );
  row(
    'discovery: GET /sentinels p50 latency',
    'ms',
    ws.map((x) => x.p50),
    bs.map((x) => x.p50),
  );
  row(
    'discovery: GET /sentinels p99 latency',
    'ms',
    ws.map((x) => x.p99),
    bs.map((x) => x.p99),
    'p99 < 5 ms',
  );
  row(
    'discovery: GET /sentinels CPU per request (server process)',
    'µs',
    ws.map((x) => x.cpuUsPerRequest),
    bs.map((x) => x.cpuUsPerRequest),
  );
  if (fresh) {
    row(
      'discovery: a fresh watcher (no failover followed), req/s',
      'req/s',
      fw.map((x) => x.rps),
      bs.map((x) => x.rps),
    );
    row(
      'discovery: a fresh watcher, CPU per request',
      'µs',
      fw.map((x) => x.cpuUsPerRequest),
      bs.map((x) => x.cpuUsPerRequest),
    );
  }
}

/**
 * BENCH_ONLY=discovery: our deployment alone, aged as in the full run (failovers followed by the
 * watcher before its first HTTP load: V8 compiles Node's socket code from every connection's
 * feedback), then the discovery rounds, with a watcher started after the failovers beside it.
 */
async function discoveryOnly(ours: Ours): Promise<void> {
  const ps = new Processes();
  try {
    const mine = await oursFailoverRig(ours, ps);
    const failovers = quick ? 1 : 4;
    for (let r = 0; r < failovers; r += 1) {
      say(`failover ${r + 1}/${failovers} before the discovery load`);
      await mine.round();
    }
    await mine.dispose();
    await mine.settle();
    const fresh = await ours.task(ps, 'watcher', mine.root!);
    await until('the fresh watcher healthy', async () => (await fetch(`http://127.0.0.1:${fresh.port}/health`).catch(() => null))?.status === 200);
    await discoverySection({ port: mine.watcherPort!, pid: mine.watcherPid! }, { port: fresh.port, pid: fresh.proc.pid });
    row('footprint after the discovery load: watcher RSS', 'MB', rss(ps, 'watcher'));
  } finally {
    await ps.dispose();
  }
}

/** 2c. The whole set cold-restarted, nodes with different histories, oldest first (cold-restart.ts). */
async function coldRestartSection(ours: Ours): Promise<void> {
  const o: Array<Awaited<ReturnType<typeof oursColdRestart>>> = [];
  const p: typeof o = [];
  const rounds = quick ? 1 : 4;
  for (let r = 0; r < rounds; r += 1) {
    say(`cold restart round ${r + 1}/${rounds}`);
    const pair = [
      () => withProcesses((ps) => plainColdRestart(ps, r)).then((x) => p.push(x)),
      () => withProcesses((ps) => oursColdRestart(ours, ps, r)).then((x) => o.push(x)),
    ];
    for (const run of r % 2 ? pair.reverse() : pair) await run();
  }
  row(
    'cold restart, histories A > B > C, started C, B, A: acknowledged writes lost (of 900)',
    '',
    o.map((x) => x.lost),
    p.map((x) => x.lost),
    '0',
  );
  row(
    'cold restart, histories A > B > C, started C, B, A: first start → a Sentinel client writes',
    'ms',
    o.map((x) => x.writableMs),
    p.map((x) => x.writableMs),
  );
}

/**
 * 1. Bootstrap. Each size starts with a round that is not counted: this VM hands memory it
 * has not used for a while back to its host (free page reporting, DAMON pageout; touching
 * 3 GB fresh takes ~10 s here), and the first round after a pause most likely pays for
 * getting ~3 GB back (1+50: 5.0-5.8 s in today's runs, the next rounds 3.5-5.0 s, same code;
 * a plain round uses an eighth of the memory). The 1+50 warm-up keeps a row of its own.
 * 1 + 50 is also measured beside plain Redis with its defaults (no config file: its diskless
 * sync waits 5 s for more replicas), the anchor of #27, and with each wrapper's start-up CPU.
 */
async function bootstrapSection(ours: Ours): Promise<void> {
  const bootstrapRound = async (n: number, r: number) => {
    const ps = new Processes();
    try {
      const o = await bootstrapOurs(ours, ps, n, r);
      const plain = await bootstrapPlain(ps, n);
      const defaults = n === 50 ? await bootstrapPlain(ps, n, 'defaults') : Number.NaN;
      return { ours: o, plain, defaults };
    } finally {
      await ps.dispose();
    }
  };
  for (const [n, rounds] of [
    [3, quick ? 2 : 5],
    [20, quick ? 1 : 3],
    [50, quick ? 1 : 3],
  ] as const) {
    say(`bootstrap 1+${n}, warm-up round`);
    const warm = await bootstrapRound(n, 0);
    const counted = [];
    for (let r = 1; r <= rounds; r += 1) {
      say(`bootstrap 1+${n}, round ${r}/${rounds}`);
      counted.push(await bootstrapRound(n, r));
    }
    const a = counted.map((x) => x.ours.ms);
    row(
      `bootstrap 1+${n}: all synced, registered, ZooKeeper names master`,
      'ms',
      a,
      counted.map((x) => x.plain),
      n === 50 ? '< 5000 ms (mr-redis: 14300 ms on its cluster)' : undefined,
    );
    if (n !== 50) continue;
    row(
      'bootstrap 1+50, beside plain Redis with its defaults (no config file)',
      'ms',
      a,
      counted.map((x) => x.defaults),
      'ratio <= 1.0',
    );
    row(
      "bootstrap 1+50: a wrapper's start-up CPU, user + sys until the set is ready (all wrappers of all rounds)",
      'ms',
      counted.flatMap((x) => x.ours.wrapperCpuMs),
    );
    row('bootstrap 1+50, the warm-up round (not counted above)', 'ms', [warm.ours.ms], [warm.plain]);
  }
}

/**
 * 6. Many sets on one Sentinel trio (BENCH_SETS, 100): N-1 sets of one redis and a probe set of
 * two, all started at once with one watcher, beside the probe set alone on a trio of its own
 * (the same code with N = 1). The peaks of both runs go to bench/peaks.json.
 */
async function manySetsSection(ours: Ours): Promise<void> {
  const sets = Number(process.env.BENCH_SETS ?? 100);
  const o = { rounds: quick ? 1 : 3, restMs: 20000, say };
  say('many sets: the probe set alone');
  const one = await withProcesses((ps) => manySets(ours, ps, 1, o));
  say(`many sets: ${sets} sets`);
  const many = await withProcesses((ps) => manySets(ours, ps, sets, o));
  const n = `${sets} sets on one Sentinel trio`;
  row(`${n}: start → every set's master in ZooKeeper, every sentinel monitors all (baseline: 1 set)`, 'ms', [many.readyMs], [one.readyMs], '<= 60000 ms');
  row(`${n}: GET /status (baseline: 1 set)`, 'ms', many.statusMs, one.statusMs, '<= 1000 ms', ratioOfMedians);
  row(
    `${n}: probe set's crash failover → a sentinel names the new master (baseline: the set alone)`,
    'ms',
    many.failoverMs,
    one.failoverMs,
    'ratio <= 1.5',
    ratioOfMedians,
  );
  row(`${n}, 20 s idle: redis-wrapper RSS (baseline: 1 set)`, 'MB', many.rest['redis-wrapper'], one.rest['redis-wrapper'], '<= 64 MB', ratioOfMedians);
  row(`${n}, 20 s idle: sentinel-wrapper RSS (baseline: 1 set)`, 'MB', many.rest['sentinel-wrapper'], one.rest['sentinel-wrapper'], '<= 64 MB', ratioOfMedians);
  row(`${n}, 20 s idle: watcher RSS (baseline: 1 set)`, 'MB', many.rest.watcher, one.rest.watcher, '<= 96 MB', ratioOfMedians);
  for (const [program, peak] of Object.entries(many.peaks)) row(`${n}: ${program} peak RSS (program / with its child)`, 'MB', [peak.programMb], [peak.taskMb]);
}

/** 4. The footprints at rest, the deployment idle after the failover rounds, beside the anchor started with it. */
async function footprintAtRest(ps: Processes): Promise<void> {
  await sleep(2000);
  const anchor = rss(ps, 'anchor-at-rest');
  row('footprint at rest: redis-wrapper RSS', 'MB', rss(ps, 'redis-wrapper'), anchor, '<= 64 MB', ratioOfMedians);
  row('footprint at rest: sentinel-wrapper RSS', 'MB', rss(ps, 'sentinel-wrapper'), anchor, '<= 64 MB', ratioOfMedians);
  row('footprint at rest: watcher RSS', 'MB', rss(ps, 'watcher'), anchor, '<= 96 MB', ratioOfMedians);
}

/** 4. The master's wrapper while redis-benchmark saturates its redis (20 s), beside the anchor: its highest RSS, sampled every 250 ms. */
async function loadedMaster(ps: Processes, masterPort: number): Promise<void> {
  const pid = await wrapperOf(masterPort);
  const wrapper = ps.all.find((p) => p.label.startsWith('redis-wrapper-') && p.running && p.pid === pid);
  if (!wrapper) throw new Error(`bench: no wrapper runs the master on ${masterPort}`);
  say('footprint: the master under redis-benchmark');
  const highest = { ours: 0, anchor: 0 };
  const sampling = setInterval(() => {
    highest.ours = Math.max(highest.ours, rssMb(wrapper.pid));
    highest.anchor = Math.max(highest.anchor, ...rss(ps, 'anchor-at-rest'));
  }, 250);
  const load = busy(masterPort);
  try {
    await sleep(20000);
  } finally {
    load.stop();
    clearInterval(sampling);
  }
  row('footprint as the master under redis-benchmark (20 s): redis-wrapper highest RSS', 'MB', [highest.ours], [highest.anchor], '<= 64 MB', ratioOfMedians);
}

/** The process that started the redis-server on `port` (INFO's process_id, then its parent): our wrapper. */
async function wrapperOf(port: number): Promise<number | undefined> {
  const pid = parseInfo(String((await ask(port, 'INFO', 'server')) ?? '')).get('process_id');
  if (!pid) return undefined;
  return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
}

/** 4b. Footprint with 1 + 50 replicas, 3 sentinels and a watcher, after 30 s idle. */
async function footprint50Section(ours: Ours): Promise<void> {
  const big = new Processes();
  try {
    say('footprint with 1 + 50 replicas');
    const root = '/bench-footprint';
    const dir = ours.directory(root);
    await Promise.all(Array.from({ length: 51 }, () => ours.task(big, 'redis-wrapper', root)));
    const master = await until('master', async () => (await dir.readMaster('mymaster'))?.address, 120000, 50);
    clientsOnly(big, 'anchor-50', master.port, ours.zk.connectString);
    await until('50 replicas synced', async () => (await onlineReplicas(master.port)) === 50, 120000, 100);
    await Promise.all([1, 2, 3].map(() => ours.task(big, 'sentinel-wrapper', root)));
    const w = await ours.task(big, 'watcher', root);
    await until('watcher healthy', async () => (await fetch(`http://127.0.0.1:${w.port}/health`).catch(() => null))?.status === 200, 60000, 200);
    await fetch(`http://127.0.0.1:${w.port}/status`).then((r) => r.text());
    await sleep(2000);
    // Seconds after start a process still holds its start-up garbage (the watcher ~84 MB, ~70 MB
    // once V8's memory reducer has run): "at rest" is measured after 30 s idle, like the rows
    // above (taken minutes after start); the figure just after start is kept for comparison.
    row('footprint with 50 replicas, 2 s after start: watcher RSS', 'MB', rss(big, 'watcher'));
    await sleep(30000);
    const anchor = rss(big, 'anchor-50');
    row('footprint with 50 replicas: redis-wrapper RSS', 'MB', rss(big, 'redis-wrapper'), anchor, '<= 64 MB', ratioOfMedians);
    row('footprint with 50 replicas: sentinel-wrapper RSS', 'MB', rss(big, 'sentinel-wrapper'), anchor, '<= 64 MB', ratioOfMedians);
    row('footprint with 50 replicas: watcher RSS', 'MB', rss(big, 'watcher'), anchor, '<= 96 MB', ratioOfMedians);
  } finally {
    await big.dispose();
  }
}

/** BENCH_ONLY=footprint: a deployment aged by a few failovers (as in the full run) at rest and its master loaded, then 1 + 50. */
async function footprintOnly(ours: Ours): Promise<void> {
  await withProcesses(async (ps) => {
    const mine = await oursFailoverRig(ours, ps);
    clientsOnly(ps, 'anchor-at-rest', mine.sentinelPort, ours.zk.connectString);
    const failovers = quick ? 1 : 4;
    for (let r = 0; r < failovers; r += 1) {
      say(`failover ${r + 1}/${failovers} before the footprints`);
      await mine.round();
    }
    await mine.dispose();
    await mine.settle();
    await footprintAtRest(ps);
    await loadedMaster(ps, await mine.masterPort());
  });
  await footprint50Section(ours);
}

/** Every program's peak resident memory over the whole run (bench/peaks.json, test/unit/marathon-mem.test.ts). */
const peaks = new PeakSampler();

async function main() {
  const infra = new Processes();
  const ours = await Ours.start(infra);
  const started = Date.now();
  try {
    if (only === 'crash') {
      const ps = new Processes();
      try {
        await crashSection(ours, ps);
      } finally {
        await ps.dispose();
      }
      return report(started);
    }
    if (only === 'node-api') {
      await nodeApiSection(ours);
      return report(started);
    }
    if (only === 'cold-restart') {
      await coldRestartSection(ours);
      return report(started);
    }
    if (only === 'fencing') {
      const ps = new Processes();
      const rigs: FailoverRig[] = [];
      try {
        rigs.push(await plainFailoverRig(ps), await oursFailoverRig(ours, ps));
        await fencingSection(rigs[0]!, rigs[1]!);
      } finally {
        for (const rig of rigs) await rig.dispose();
        await ps.dispose();
      }
      return report(started);
    }
    if (only === 'partition') {
      await partitionSection();
      return report(started);
    }
    if (only === 'discovery') {
      await discoveryOnly(ours);
      return report(started);
    }
    if (only === 'switchover') {
      await switchoverSection(ours);
      return report(started);
    }
    if (only === 'footprint') {
      await footprintOnly(ours);
      return report(started);
    }
    if (only === 'bootstrap') {
      await bootstrapSection(ours);
      return report(started);
    }
    if (only === 'many-sets') {
      await manySetsSection(ours);
      return report(started);
    }
    await bootstrapSection(ours);

    // 2. Failover, interleaved
    const ps = new Processes();
    try {
      say('failover: setting up plain Sentinel and our deployment');
      const plain = await plainFailoverRig(ps);
      const mine = await oursFailoverRig(ours, ps);
      // The footprints' baseline, started now so it is as old as our programs when measured.
      clientsOnly(ps, 'anchor-at-rest', mine.sentinelPort, ours.zk.connectString);
      const p: Array<Awaited<ReturnType<typeof plain.round>>> = [];
      const o: Array<Awaited<ReturnType<typeof mine.round>>> = [];
      const rounds = quick ? 2 : 10;
      for (let r = 0; r < rounds; r += 1) {
        say(`failover round ${r + 1}/${rounds}`);
        if (r % 2 === 0) {
          p.push(await plain.round());
          o.push(await mine.round());
        } else {
          o.push(await mine.round());
          p.push(await plain.round());
        }
      }
      row(
        'failover: kill → Sentinel switched',
        'ms',
        o.map((x) => x.sentinel),
        p.map((x) => x.sentinel),
      );
      row(
        'failover: kill → ZooKeeper updated',
        'ms',
        o.map((x) => x.zookeeper!),
        p.map((x) => x.sentinel),
        "ZooKeeper within 100 ms of Sentinel's switch",
      );
      row(
        'failover: ZooKeeper updated after Sentinel switched (ours)',
        'ms',
        o.map((x) => x.zookeeper! - x.sentinel),
      );
      row(
        'failover: kill → client discovering from ZooKeeper writes',
        'ms',
        o.map((x) => x.zkClient!),
        p.map((x) => x.sentinelClient),
      );
      row(
        'failover: kill → ioredis Sentinel client writes',
        'ms',
        o.map((x) => x.sentinelClient),
        p.map((x) => x.sentinelClient),
      );

      await crashSection(ours, ps);

      await fencingSection(plain, mine);

      // The failover clients write in a loop in this process, which also runs the load generator.
      await plain.dispose();
      await mine.dispose();
      // What follows is measured in steady state, not while a replica still resyncs.
      await plain.settle();
      await mine.settle();

      // 4. Footprint at rest: measured before the HTTP load of 3
      await footprintAtRest(ps);
      const oursMaster = await mine.masterPort();
      await loadedMaster(ps, oursMaster);

      // 5. Data path: master + 2 replicas each, same base config
      const plainMaster = await plain.masterPort();
      say('data path');
      const d = dataPathPairs(oursMaster, plainMaster, quick ? 10 : 320, 10000);
      row('data path: redis-benchmark SET', 'req/s', d.ours.set, d.base.set, 'ratio >= 0.97', throughputRatio);
      row('data path: redis-benchmark GET', 'req/s', d.ours.get, d.base.get, 'ratio >= 0.97', throughputRatio);

      // Discovery with only our deployment running: the plain rig's processes would take CPU
      // from whichever server is the bottleneck, not from the load generator.
      await Promise.all(ps.all.filter((x) => x.label.startsWith('fo-plain')).map((x) => x.stop(3000)));
      await discoverySection({ port: mine.watcherPort!, pid: mine.watcherPid! });

      row('footprint after the discovery load: watcher RSS', 'MB', rss(ps, 'watcher'));
    } finally {
      await ps.dispose();
    }

    await partitionSection();
    await switchoverSection(ours);
    await nodeApiSection(ours);
    await coldRestartSection(ours);

    await footprint50Section(ours);
  } finally {
    await ours.stop();
    await infra.dispose();
  }

  report(started);
}

function report(started: number): void {
  const highest = peaks.stop();
  for (const [program, peak] of Object.entries(highest))
    row(`peak RSS over the run: ${program} (baseline column: with its child)`, 'MB', [peak.programMb], [peak.taskMb]);
  // A smoke run's peaks are not a deployment's: only full rounds are recorded.
  if (!quick)
    recordPeaks(
      only ?? 'full run',
      highest,
      only ? `BENCH_ONLY=${only}${only === 'many-sets' ? `, BENCH_SETS=${process.env.BENCH_SETS ?? 100}` : ''}` : 'the whole bench',
    );
  const fmt = (n: number) => (Number.isFinite(n) ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2)) : '-');
  const lines = [
    '| metric | ours median (p95) | baseline median (p95) | ours/baseline | goal |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.metric} | ${fmt(r.ours.median)} (${fmt(r.ours.p95)}) ${r.unit} | ${r.base ? `${fmt(r.base.median)} (${fmt(r.base.p95)}) ${r.unit}` : '-'} ` +
        `| ${r.ratio !== undefined ? r.ratio.toFixed(2) : '-'} | ${r.goal ?? ''} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const results = { at: new Date().toISOString(), quick, only, seconds: Math.round((Date.now() - started) / 1000), machine: { cpus: os.cpus().length }, rows };
  fs.writeFileSync(path.join(ROOT, 'bench', only ? `results-${only}.json` : 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
