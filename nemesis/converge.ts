import { sleep } from '../packages/local-stack/src/harness';
import { sentinelMaster } from '../test/helpers/sentinel';
import { type RunContext, SET } from './context';
import { getJson, replicationOf, within } from './probes';

/**
 * What is not converged yet (undefined: converged): exactly one master among the 3 live redis
 * tasks, every other its synced replica, ZooKeeper and the 3 live sentinels naming it, each
 * watcher's /status current and without a problem.
 */
export async function unconverged(ctx: RunContext): Promise<string | undefined> {
  const redis = ctx.tasksOf('redis');
  if (redis.length !== 3) return `${redis.length} live redis tasks`;
  const infos = await Promise.all(redis.map(async (t) => ({ a: t.address, r: await replicationOf(t.local[0]!) })));
  const masters = infos.filter((x) => x.r?.get('role') === 'master').map((x) => x.a);
  if (masters.length !== 1) return `${masters.length} masters (${infos.map((x) => `${x.a}=${x.r?.get('role') ?? 'dead'}`).join(', ')})`;
  const m = masters[0]!;
  for (const { a, r } of infos) {
    if (a === m) continue;
    if (!r) return `${a} does not answer`;
    const following = `${r.get('master_host')}:${r.get('master_port')}`;
    if (r.get('role') !== 'slave' || following !== m || r.get('master_link_status') !== 'up' || r.get('master_sync_in_progress') !== '0')
      return `${a} is not a synced replica of ${m} (${r.get('role')} of ${following}, link ${r.get('master_link_status')})`;
  }
  const zkNow = (await within(ctx.dir.readMaster(SET), 2000))?.raw;
  if (zkNow !== m) return `ZooKeeper names ${zkNow}, the live master is ${m}`;
  const sentinels = ctx.tasksOf('sentinel');
  if (sentinels.length !== 3) return `${sentinels.length} live sentinel tasks`;
  for (const s of sentinels) {
    const sm = await sentinelMaster(s.local[0]!, SET);
    const named = sm ? `${sm.get('ip')}:${sm.get('port')}` : undefined;
    if (named !== m) return `sentinel ${s.address} names ${named}`;
  }
  for (const w of ctx.tasksOf('watcher')) {
    const st = await getJson(`http://127.0.0.1:${w.local[0]}/status`, 3000);
    const set = (st?.body as Record<string, { problems: Array<{ kind: string; detail: string }>; stale: boolean }> | undefined)?.[SET];
    if (!set) return `watcher ${w.address} /status has no ${SET}`;
    if (set.stale) return `watcher ${w.address} /status is stale`;
    if (set.problems.length > 0) return `watcher ${w.address} reports ${set.problems.map((p) => `${p.kind}: ${p.detail}`).join('; ')}`;
  }
  return undefined;
}

/** Samples convergence every 500 ms until converged or `deadline`, recording each new reason; the last reason, if not converged. */
export async function awaitConvergence(ctx: RunContext, deadline: number): Promise<string | undefined> {
  let lastReason: string | undefined;
  for (;;) {
    const reason = await unconverged(ctx).catch((err) => `check failed: ${String(err)}`);
    const t = Date.now();
    if (!reason) {
      ctx.rec({ t, type: 'converge', ok: true });
      return undefined;
    }
    if (reason !== lastReason || t > deadline) ctx.rec({ t, type: 'converge', ok: false, reason });
    lastReason = reason;
    if (t > deadline) return reason;
    await sleep(500);
  }
}
