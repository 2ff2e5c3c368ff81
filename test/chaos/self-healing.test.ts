import test, { type ExecutionContext } from 'ava';
import { type Deployment, type Task, TestEnv } from '../helpers/env';
import { info } from '../helpers/chaos-b';
import { stopOnTeardown } from '../helpers/chaos';
import { recordFigures } from '../helpers/figures';
import { RoleMonitor } from '../helpers/role-monitor';
import { ask } from '../helpers/sentinel';
import { sleep, waitFor } from '../helpers/wait';
import { SteadyWriter } from '../helpers/writer';

// The set heals itself when Marathon restarts tasks back to back, gating each step on the
// health check the definitions shipped with before readiness existed (PING): the worst case.
// Each scenario runs ROUNDS rounds on one deployment (20 unless SELF_HEALING_ROUNDS says
// otherwise). Each round: a master again within 10 s, no replica pointing at a dead master for
// 5 s or more; over the run, 0 acknowledged writes lost. Serial: each is a whole deployment.

const ROUNDS = Number(process.env.SELF_HEALING_ROUNDS ?? 20);

interface Round {
  env: TestEnv;
  d: Deployment;
  /** Every redis task started so far (stopped ones included: their process says so). */
  tasks: Task[];
}
type Run = Round & { writer: SteadyWriter; monitor: RoleMonitor };

async function setUp(t: ExecutionContext): Promise<Run> {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 1 });
  const tasks = [...d.redis];
  const writer = stopOnTeardown(t, new SteadyWriter(env, d));
  await writer.start();
  await waitFor('writes flowing', () => writer.acked > 20, 30000);
  const monitor = stopOnTeardown(t, new RoleMonitor(() => tasks));
  return { env, d, tasks, writer, monitor };
}

const roleOf = async (task: Task) => (await info(task.port).catch(() => undefined))?.get('role');
const live = (r: Round) => r.tasks.filter((x) => x.proc.running);

/** Marathon's restart of one task: SIGTERM, wait for the exit, start the replacement, wait for PING. */
async function restart(r: Round, victim: Task, o: { killAfterMs?: number } = {}): Promise<Task> {
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
async function healed(r: Round): Promise<string> {
  return waitFor('one master, every live task its synced replica', async () => {
    const tasks = live(r);
    const infos = await Promise.all(tasks.map((x) => info(x.port).catch(() => undefined)));
    const masters = tasks.filter((_, i) => infos[i]?.get('role') === 'master');
    if (masters.length !== 1) return undefined;
    const m = masters[0]!.address;
    const ok = infos.every((i, k) => tasks[k]!.address === m || (i?.get('role') === 'slave' && `${i.get('master_host')}:${i.get('master_port')}` === m && i.get('master_link_status') === 'up'));
    return ok ? m : undefined;
  }, 60000, 200);
}

/** Runs `round` ROUNDS times on one deployment, checking each; the writer's figures at the end. */
async function rounds(t: ExecutionContext, scenario: string, round: (r: Run, n: number) => Promise<void>): Promise<void> {
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
  await waitFor('writes on the healed set', async () => {
    const before = r.writer.acked;
    await sleep(300);
    return r.writer.acked > before;
  }, 30000, 0);
  const roles = await r.monitor.stop();
  const w = await r.writer.stop();
  recordFigures(t, scenario, {
    rounds: ROUNDS, maxMasterlessMs: masterless, maxOrphanMs: orphan, roundMs: healMs,
    twoRoleMasterSamples: roles.twoRoleMasterSamples, writeOutageMs: w.maxOutageMs, acked: w.acked, lost: w.lost,
  });
  t.is(w.lost, 0, 'no acknowledged write lost');
  const reasons = r.tasks.flatMap((x) => [...x.proc.log().matchAll(/"reason":"([^"]*)","msg":"(re-pointed this replica[^"]*|recovered the set[^"]*|Sentinel can fail over now|writes resumed[^"]*)"/g)].map((m) => `${m[2]}: ${m[1]}`));
  t.log(`${reasons.length} self-healing steps logged${reasons.length > 0 ? `, e.g. ${reasons.slice(0, 3).join(' | ')}` : ''}`);
}

// A. A rolling restart of the three tasks the round starts with, in each order Marathon's kill
// selection can give by role (the two replicas are alike), rotating from round to round.
const ORDERS: ReadonlyArray<ReadonlyArray<'master' | 'replica'>> = [['replica', 'master', 'replica'], ['master', 'replica', 'replica'], ['replica', 'replica', 'master']];
test.serial(`rolling restarts gated on PING, every kill order, ${ROUNDS} rounds: the set heals every time`, async (t) => {
  await rounds(t, 'self-healing/rolling', async (r, n) => {
    const order = ORDERS[(n - 1) % ORDERS.length]!;
    const originals = live(r);
    for (const role of order) {
      const candidates = originals.filter((x) => x.proc.running);
      const roles = await Promise.all(candidates.map(roleOf));
      const victim = candidates.find((_, i) => (roles[i] === 'master') === (role === 'master')) ?? candidates[0]!;
      await restart(r, victim);
    }
  });
});

// B. The master stopped; once its replacement answers PING, the promoted master stopped too.
test.serial(`master stopped, then the promoted master once the replacement answers PING, ${ROUNDS} rounds: no orphaned replica`, async (t) => {
  await rounds(t, 'self-healing/promoted-stopped', async (r) => {
    const master = await waitFor('the master', async () => {
      for (const x of live(r)) if ((await roleOf(x)) === 'master') return x;
      return undefined;
    }, 30000, 50);
    await restart(r, master);
    const promoted = await waitFor('a promoted master', async () => {
      for (const x of live(r)) if (x !== master && (await roleOf(x)) === 'master') return x;
      return undefined;
    }, 30000, 50);
    await restart(r, promoted);
  });
});

// A replacement killed 0.1 s after it starts, then the master stopped while Sentinel may still
// be taking the old replica's loss in.
test.serial(`a replacement killed 0.1 s after its start, then the master stopped, ${ROUNDS} rounds: the set heals`, async (t) => {
  await rounds(t, 'self-healing/quick-kill', async (r) => {
    const roles = await Promise.all(live(r).map(async (x) => ({ x, role: await roleOf(x) })));
    await restart(r, roles.find((y) => y.role === 'slave')!.x, { killAfterMs: 100 });
    await restart(r, roles.find((y) => y.role === 'master')!.x);
  });
});

// An orphaned replica shows in /status and the metrics until its node loop re-points it.
test.serial('an orphaned replica is reported by the watcher, and re-points itself once its wrapper runs', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 1 });
  const replica = d.redis.find((x) => x.address !== d.master)!;
  const watcher = d.watchers[0]!;
  replica.proc.kill('SIGSTOP'); // the wrapper only: its redis-server runs on
  const client = env.redis(replica.port);
  await client.call('REPLICAOF', '127.0.0.1', '1');
  client.disconnect();
  const problems = await waitFor('/status to report the orphan', async () => {
    const s = await (await fetch(`http://127.0.0.1:${watcher.port}/status`)).json() as { mymaster: { problems: Array<{ kind: string; detail: string }> } };
    return s.mymaster.problems.some((p) => p.kind === 'orphaned-replica') ? s.mymaster.problems : undefined;
  }, 30000, 200);
  t.regex(problems.find((p) => p.kind === 'orphaned-replica')!.detail, new RegExp(`${replica.address} follows 127\\.0\\.0\\.1:1`));
  t.regex(await (await fetch(`http://127.0.0.1:${watcher.port}/metrics`)).text(), /redis_zk_set_problems\{set="mymaster",kind="orphaned-replica"\} 1/);
  const resumed = Date.now();
  replica.proc.kill('SIGCONT');
  await waitFor('the replica to follow the master again', async () => {
    const i = await info(replica.port);
    return i?.get('role') === 'slave' && `${i.get('master_host')}:${i.get('master_port')}` === d.master;
  }, 15000, 50);
  recordFigures(t, 'self-healing/orphan-repointed', { resumeToRepointedMs: Date.now() - resumed });
  t.regex(replica.proc.log(), /"msg":"re-pointed this replica to the set's master"/);
  await waitFor('/status without the orphan', async () => {
    const s = await (await fetch(`http://127.0.0.1:${watcher.port}/status`)).json() as { mymaster: { problems: unknown[] } };
    return s.mymaster.problems.length === 0;
  }, 30000, 200);
});
