import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { ZkClient } from '../packages/core/src/zk/client';
import { Directory } from '../packages/core/src/zk/directory';
import { sentinelsKnowSet } from '../packages/local-stack/src/deploy-set';
import { sleep, waitFor } from '../packages/local-stack/src/harness';
import { ROOT } from '../test/helpers/processes';
import { TEST_PASSWORD } from '../test/helpers/secrets';
import { sentinelMaster } from '../test/helpers/sentinel';
import { type Bounds, checkAll, convergenceMs, DEFAULT_BOUNDS, eventsAround, type Violation } from './checkers';
import { startClients } from './clients';
import { RunContext, SET } from './context';
import { awaitConvergence } from './converge';
import type { Deployment } from './deployment';
import { FaultRunner } from './faults';
import { type Figures, figuresOf } from './figures';
import type { History } from './history';
import { startObservers } from './observers';
import { LoopbackDeployment } from './loopback';
import { ModelDeployment } from './model';
import { getJson } from './probes';
import { readBack } from './read-back';
import { describeFault, generateSchedule, type Mode, type Schedule, type ScheduleOptions } from './schedule';

/**
 * One nemesis run: a deployment of marathon/redis-zk.json (3 redis-wrappers, 3
 * sentinel-wrappers, 2 watchers), on the local stack in loopback mode (loopback.ts) or on the
 * Marathon model with agents in network namespaces (model.ts), clients and observers recording
 * a history, the seed's schedule of faults, then convergence, the read-back and the checkers.
 */

export interface RunOptions {
  seed: number;
  /** Default loopback. */
  mode?: Mode;
  /** Model mode: how many agents (default 4, so a lost or cut agent's tasks have somewhere to go under hostname:UNIQUE). */
  agents?: number;
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

/** Records every task's start and exit, and Marathon's kills with their reason, in the history. */
function recordTasks(ctx: RunContext): void {
  ctx.dep.onTask({
    start: (t, at) => ctx.rec({ t: at, type: 'task-start', task: t.id, app: t.app, address: t.address }),
    exit: (t, exit) => ctx.rec({ t: Date.now(), type: 'task-exit', task: t.id, app: t.app, address: t.address, code: exit.code, signal: exit.signal }),
    kill: (t, reason) => ctx.rec({ t: Date.now(), type: 'task-kill', task: t.id, address: t.address, reason }),
  });
}

/** Up as deploySet waits for it: a master, every node registered, sentinels that know the set, watchers healthy. */
async function awaitDeployed(ctx: RunContext): Promise<void> {
  const { dir } = ctx;
  await waitFor('a master in ZooKeeper', () => dir.readMaster(SET), 60000, 200);
  await waitFor('every redis task registered', async () => (await dir.listNodes(SET)).length === 3, 60000, 200);
  await waitFor('every sentinel registered', async () => (await dir.listSentinels()).length === 3, 60000, 200);
  const sentinels = ctx.tasksOf('sentinel').map((t) => ({ port: t.local[0]! }));
  await sentinelsKnowSet(sentinelMaster, sentinels, SET, 2, 60000);
  for (const w of ctx.tasksOf('watcher'))
    await waitFor('watcher healthy', async () => (await getJson(`http://127.0.0.1:${w.local[0]}/health`))?.status === 200, 60000, 200);
}

/** The schedule's faults, each at its offset from now (they may overlap); when they began. */
async function runSchedule(ctx: RunContext, schedule: Schedule): Promise<number> {
  const t0 = Date.now();
  ctx.h.lastFaultEnd = t0;
  const faults = new FaultRunner(ctx, t0);
  await Promise.all(
    schedule.faults.map(async (sf) => {
      await sleep(Math.max(0, t0 + sf.at - Date.now()));
      await faults.run(sf.fault).catch((err) => ctx.note(`fault ${describeFault(sf.fault)} failed: ${String(err)}`));
    }),
  );
  return t0;
}

export async function runNemesis(o: RunOptions): Promise<RunResult> {
  const say = o.say ?? (() => undefined);
  const bounds = o.bounds ?? DEFAULT_BOUNDS;
  const mode = o.mode ?? 'loopback';
  const schedule = generateSchedule(o.seed, o.schedule, mode);
  const outDir = o.outDir ?? path.join(ROOT, 'test-results', 'nemesis');
  fs.mkdirSync(outDir, { recursive: true });
  const h: History = { seed: o.seed, startedAt: Date.now(), lastFaultEnd: 0, events: [] };

  say(`seed ${o.seed}: starting the ${mode === 'model' ? `Marathon model (${o.agents ?? 4} agents)` : 'loopback stack'}`);
  const dep: Deployment = mode === 'model' ? await ModelDeployment.start(o.agents ?? 4, TEST_PASSWORD) : await LoopbackDeployment.start(TEST_PASSWORD);
  const zk = new ZkClient({ connectString: dep.zkHere, sessionTimeoutMs: 4000, log: pino({ level: 'silent' }) });
  const ctx = new RunContext(dep, new Directory(zk, '/redis', pino({ level: 'silent' })), h, say);
  recordTasks(ctx);
  let result: RunResult | undefined;
  try {
    await zk.waitConnected(30000);
    await awaitDeployed(ctx);
    say(`seed ${o.seed}: stack up in ${Date.now() - h.startedAt} ms; schedule:`);
    for (const f of schedule.faults) say(`  +${(f.at / 1000).toFixed(1)}s ${describeFault(f.fault)}`);
    startObservers(ctx);
    await startClients(ctx);
    await sleep(1500);

    const t0 = await runSchedule(ctx, schedule);
    say(`seed ${o.seed}: last fault ended at +${((h.lastFaultEnd - t0) / 1000).toFixed(1)}s; waiting for convergence`);
    const notConverged = await awaitConvergence(ctx, h.lastFaultEnd + bounds.convergeMs + 5000);
    const conv = convergenceMs(h);
    say(`seed ${o.seed}: ${conv !== undefined ? `converged ${conv} ms after the last fault` : `not converged: ${notConverged}`}`);

    await ctx.stop();
    await readBack(ctx);
    ctx.rec({ t: Date.now(), type: 'teardown' });
    const violations = checkAll(h, bounds).map((v) => ({ ...v, context: eventsAround(h, v.at, 3000).slice(0, 80) }));
    const figures = figuresOf(h, t0);
    const historyFile = path.join(outDir, `nemesis-${o.seed}.json`);
    fs.writeFileSync(historyFile, JSON.stringify({ seed: o.seed, mode, schedule, violations, figures, history: h }));
    result = { seed: o.seed, schedule, violations, figures, historyFile, stackDir: dep.dir };
    return result;
  } finally {
    await ctx.stop();
    if (!h.events.some((e) => e.type === 'teardown')) ctx.rec({ t: Date.now(), type: 'teardown' });
    zk.close();
    const keep = o.keepFiles || (result?.violations.length ?? 1) > 0;
    await dep.stop(keep);
    if (keep) say(`seed ${o.seed}: deployment files kept in ${dep.dir}`);
  }
}
