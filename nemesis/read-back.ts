import Redis from 'ioredis';
import { TEST_PASSWORD } from '../test/helpers/secrets';
import { type RunContext, SET } from './context';
import type { HistoryEvent, OpEvent } from './history';
import { within } from './probes';

/** The acknowledged keys the node on a loopback port lacks (undefined: it did not answer). */
async function lacking(port: number | undefined, acked: string[]): Promise<string[] | undefined> {
  if (port === undefined) return undefined;
  const r = new Redis({ host: '127.0.0.1', port, password: TEST_PASSWORD, maxRetriesPerRequest: 1, commandTimeout: 10000, lazyConnect: true });
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
}

/**
 * Every write acknowledged by `WAIT 1`, read back from ZooKeeper's final master; without one that
 * answers (the set did not converge), a key is lost only if no live node has it.
 */
export async function readBack(ctx: RunContext): Promise<void> {
  const acked = ctx.h.events.filter((e): e is HistoryEvent & OpEvent => e.type === 'op' && e.acked === true).map((e) => e.key);
  const finalMaster = (await within(ctx.dir.readMaster(SET), 5000))?.raw ?? null;
  const fromMaster = finalMaster ? await lacking(ctx.dep.reach(finalMaster), acked) : undefined;
  if (finalMaster && fromMaster) {
    ctx.rec({ t: Date.now(), type: 'read-back', master: finalMaster, checked: acked.length, missing: fromMaster });
    return;
  }
  const nodes = ctx.tasksOf('redis');
  const answers = (await Promise.all(nodes.map((t) => lacking(t.local[0], acked)))).filter((m): m is string[] => m !== undefined);
  if (answers.length === 0) {
    const error = `neither ZooKeeper's master ${finalMaster} nor any live node answered`;
    ctx.rec({ t: Date.now(), type: 'read-back', master: finalMaster, checked: 0, missing: [], error });
    return;
  }
  const missing = answers.reduce((common, m) => {
    const set = new Set(m);
    return common.filter((k) => set.has(k));
  });
  ctx.rec({ t: Date.now(), type: 'read-back', master: `none answering; the union of ${answers.length} live nodes`, checked: acked.length, missing });
}
