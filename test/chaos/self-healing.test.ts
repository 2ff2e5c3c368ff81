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
// Each round: a master again within 10 s, no replica pointing at a dead master for 5 s or more,
// 0 acknowledged writes lost. SELF_HEALING_ROUNDS repeats every scenario (20 for a soak).
// Serial: each round is a whole deployment.

const ROUNDS = Number(process.env.SELF_HEALING_ROUNDS ?? 1);

interface Round {
  env: TestEnv;
  d: Deployment;
  /** Every redis task started so far (stopped ones included: their process says so). */
  tasks: Task[];
}

async function setUp(t: ExecutionContext): Promise<Round & { writer: SteadyWriter; monitor: RoleMonitor }> {
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
    const live = r.tasks.filter((x) => x.proc.running);
    const infos = await Promise.all(live.map((x) => info(x.port).catch(() => undefined)));
    const masters = live.filter((_, i) => infos[i]?.get('role') === 'master');
    if (masters.length !== 1) return undefined;
    const m = masters[0]!.address;
    const ok = infos.every((i, k) => live[k]!.address === m || (i?.get('role') === 'slave' && `${i.get('master_host')}:${i.get('master_port')}` === m && i.get('master_link_status') === 'up'));
    return ok ? m : undefined;
  }, 60000, 200);
}

async function finish(t: ExecutionContext, r: Round & { writer: SteadyWriter; monitor: RoleMonitor }, scenario: string): Promise<void> {
  const master = await healed(r);
  await waitFor('writes on the healed set', async () => {
    const before = r.writer.acked;
    await sleep(300);
    return r.writer.acked > before;
  }, 30000, 0);
  const roles = await r.monitor.stop();
  const w = await r.writer.stop();
  recordFigures(t, scenario, { ...roles, writeOutageMs: w.maxOutageMs, acked: w.acked, lost: w.lost, master });
  t.is(w.lost, 0, 'no acknowledged write lost');
  t.true(roles.maxMasterlessMs < 10_000, `a master again within 10 s (masterless for ${roles.maxMasterlessMs} ms)`);
  t.true(roles.maxOrphanMs < 5_000, `no replica pointing at a dead master for 5 s (${roles.maxOrphanMs} ms)`);
  const reasons = r.tasks.flatMap((x) => [...x.proc.log().matchAll(/"reason":"([^"]*)","msg":"(re-pointed this replica[^"]*|recovered the set[^"]*|Sentinel can fail over now|writes resumed[^"]*)"/g)].map((m) => `${m[2]}: ${m[1]}`));
  if (reasons.length > 0) t.log(reasons.join('\n'));
}

// A. A rolling restart of the three original tasks, in each order Marathon's kill selection can
// give by role (the two replicas are alike).
const ORDERS: ReadonlyArray<ReadonlyArray<'master' | 'replica'>> = [['replica', 'master', 'replica'], ['master', 'replica', 'replica'], ['replica', 'replica', 'master']];
for (const order of ORDERS) {
  for (let round = 1; round <= ROUNDS; round += 1) {
    test.serial(`rolling restart ${order.join(' → ')} gated on PING (round ${round}): the set heals`, async (t) => {
      const r = await setUp(t);
      const originals = [...r.d.redis];
      for (const role of order) {
        const candidates = originals.filter((x) => x.proc.running);
        const roles = await Promise.all(candidates.map(roleOf));
        const victim = candidates.find((_, i) => (roles[i] === 'master') === (role === 'master')) ?? candidates[0]!;
        await restart(r, victim);
      }
      await finish(t, r, `self-healing/rolling-${order.join('-')}-${round}`);
    });
  }
}

// B. The master stopped; once its replacement answers PING, the promoted master stopped too.
for (let round = 1; round <= ROUNDS; round += 1) {
  test.serial(`master stopped, then the promoted master once the replacement answers PING (round ${round}): no orphaned replica`, async (t) => {
    const r = await setUp(t);
    const first = r.d.redis.find((x) => x.address === r.d.master)!;
    await restart(r, first);
    const promoted = await waitFor('a promoted master', async () => {
      for (const x of r.tasks.filter((y) => y.proc.running)) if ((await roleOf(x)) === 'master') return x;
      return undefined;
    }, 30000, 50);
    await restart(r, promoted);
    await finish(t, r, `self-healing/promoted-stopped-${round}`);
  });
}

// A replacement killed 0.1 s after it starts, then the master stopped while Sentinel may still be failing over.
for (let round = 1; round <= ROUNDS; round += 1) {
  test.serial(`a replacement killed 0.1 s after its start, then the master stopped (round ${round}): the set heals`, async (t) => {
    const r = await setUp(t);
    const replica = r.d.redis.find((x) => x.address !== r.d.master)!;
    await restart(r, replica, { killAfterMs: 100 });
    const master = r.d.redis.find((x) => x.address === r.d.master)!;
    await restart(r, master);
    await finish(t, r, `self-healing/quick-kill-${round}`);
  });
}

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
