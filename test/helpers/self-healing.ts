import type { ExecutionContext } from 'ava';
import { type Deployment, type Task, TestEnv } from './env';
import { info } from './redis-info';
import { stopOnTeardown } from './chaos';
import { recordFigures } from './figures';
import { RoleMonitor } from './role-monitor';
import { ask } from './sentinel';
import { sleep, waitFor } from './wait';
import { SteadyWriter } from './writer';

// The set heals itself when Marathon restarts tasks back to back, gating each step on the
// health check the definitions shipped with before readiness existed (PING): the worst case.
// Each scenario runs ROUNDS rounds on one deployment (20 unless SELF_HEALING_ROUNDS says
// otherwise). Each round: a master again within 10 s, no replica pointing at a dead master for
// 5 s or more; over the run, 0 acknowledged writes lost. Serial: each is a whole deployment.

export const ROUNDS = Number(process.env.SELF_HEALING_ROUNDS ?? 20);

export interface Round {
  env: TestEnv;
  d: Deployment;
  /** Every redis task started so far (stopped ones included: their process says so). */
  tasks: Task[];
}
export type Run = Round & { writer: SteadyWriter; monitor: RoleMonitor };

export async function setUp(t: ExecutionContext): Promise<Run> {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 1 });
  const tasks = [...d.redis];
  const writer = stopOnTeardown(t, new SteadyWriter(env, d));
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 20, 30000);
  const monitor = stopOnTeardown(t, new RoleMonitor(() => tasks));
  return { env, d, tasks, writer, monitor };
}

export const roleOf = async (task: Task) => (await info(task.port).catch(() => undefined))?.get('role');
export const live = (r: Round) => r.tasks.filter((x) => x.proc.running);

/** Marathon's restart of one task: SIGTERM, wait for the exit, start the replacement, wait for PING. */
export async function restart(r: Round, victim: Task, o: { killAfterMs?: number } = {}): Promise<Task> {
  victim.proc.kill('SIGTERM');
  await victim.proc.exited;
  const replacement = await r.env.start('redis-wrapper');
  r.tasks.push(replacement);
  if (o.killAfterMs !== undefined) {
    await sleep(o.killAfterMs);
    replacement.proc.kill('SIGTERM');
    await replacement.proc.exited;
    return restart(r, replacement);
  }
  await waitFor(`${replacement.address} to answer PING`, async () => (await ask(replacement.port, 'PING').catch(() => null)) === 'PONG', 60000, 50);
  return replacement;
}

/** One live master, every other live task its replica with the link up. */
export async function healed(r: Round): Promise<string> {
  return waitFor(
    'one master, every live task its synced replica',
    async () => {
      const tasks = live(r);
      const infos = await Promise.all(tasks.map((x) => info(x.port).catch(() => undefined)));
      const masters = tasks.filter((_, i) => infos[i]?.get('role') === 'master');
      if (masters.length !== 1) return undefined;
      const m = masters[0]!.address;
      const ok = infos.every(
        (i, k) =>
          tasks[k]!.address === m ||
          (i?.get('role') === 'slave' && `${i.get('master_host')}:${i.get('master_port')}` === m && i.get('master_link_status') === 'up'),
      );
      return ok ? m : undefined;
    },
    60000,
    200,
  );
}

/** Runs `round` ROUNDS times on one deployment, checking each; the writer's figures at the end. */
export async function rounds(t: ExecutionContext, scenario: string, round: (r: Run, n: number) => Promise<void>): Promise<void> {
  const r = await setUp(t);
  const masterless: number[] = [];
  const orphan: number[] = [];
  const healMs: number[] = [];
  for (let n = 1; n <= ROUNDS; n += 1) {
    r.monitor.maxMasterlessMs = 0;
    r.monitor.maxOrphanMs = 0;
    const started = Date.now();
    await round(r, n);
    await healed(r);
    healMs.push(Date.now() - started);
    masterless.push(r.monitor.maxMasterlessMs);
    orphan.push(r.monitor.maxOrphanMs);
    t.true(r.monitor.maxMasterlessMs < 10_000, `round ${n}: a master again within 10 s (masterless for ${r.monitor.maxMasterlessMs} ms)`);
    t.true(r.monitor.maxOrphanMs < 5_000, `round ${n}: no replica pointing at a dead master for 5 s (${r.monitor.maxOrphanMs} ms)`);
  }
  await waitFor(
    'writes on the healed set',
    async () => {
      const before = r.writer.acked;
      await sleep(300);
      return r.writer.acked > before;
    },
    30000,
    0,
  );
  const roles = await r.monitor.stop();
  const w = await r.writer.stop();
  recordFigures(t, scenario, {
    rounds: ROUNDS,
    maxMasterlessMs: masterless,
    maxOrphanMs: orphan,
    roundMs: healMs,
    twoRoleMasterSamples: roles.twoRoleMasterSamples,
    writeOutageMs: w.maxOutageMs,
    acked: w.acked,
    lost: w.lost,
  });
  t.is(w.lost, 0, 'no acknowledged write lost');
  const reasons = r.tasks.flatMap((x) =>
    [
      ...x.proc
        .log()
        .matchAll(/"reason":"([^"]*)","msg":"(re-pointed this replica[^"]*|recovered the set[^"]*|Sentinel can fail over now|writes resumed[^"]*)"/g),
    ].map((m) => `${m[2]}: ${m[1]}`),
  );
  t.log(`${reasons.length} self-healing steps logged${reasons.length > 0 ? `, e.g. ${reasons.slice(0, 3).join(' | ')}` : ''}`);
}
