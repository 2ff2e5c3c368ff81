import { ask } from '../test/helpers/sentinel';
import { type RunContext, SET } from './context';
import type { Task } from './deployment';
import { getJson, replicationOf, within } from './probes';

/**
 * The observers: ZooKeeper's master every 30 ms (each new address probed at once with ROLE),
 * each watcher's /sentinels every 200 ms, each sentinel's master and each redis node's
 * replication every 250 ms, each recorded when it changes.
 */
export function startObservers(ctx: RunContext): void {
  observeZooKeeper(ctx);
  observeWatchers(ctx);
  observeSentinels(ctx);
  observeNodes(ctx);
}

function observeZooKeeper(ctx: RunContext): void {
  let last: { raw: string | null; epoch: number } | undefined;
  ctx.loop(30, async () => {
    // masters/<set> and epochs/<set> are two reads (in order on one session); the watcher changes
    // both in one multi-op. Two reads that agree on the master's version and the epoch bracket a
    // consistent pair (one read alone can pair the old address with the new epoch).
    const first = await within(ctx.dir.readMaster(SET), 1000);
    if (first === undefined) return;
    const m = await within(ctx.dir.readMaster(SET), 1000);
    if (m === undefined || (first?.version ?? -1) !== (m?.version ?? -1) || (first?.epoch ?? -1) !== (m?.epoch ?? -1)) return;
    const raw = m?.raw ?? null;
    const epoch = m?.epoch ?? -1;
    if (last && last.raw === raw && last.epoch === epoch) return;
    const changed = Boolean(last) && last!.raw !== raw;
    last = { raw, epoch };
    ctx.zkMaster = raw;
    const t = Date.now();
    ctx.rec({ t, type: 'zk-master', raw, epoch });
    if (changed && raw) void probeRole(ctx, raw, t);
  });
}

async function probeRole(ctx: RunContext, address: string, changedAt: number): Promise<void> {
  let role: string;
  const port = ctx.dep.reach(address);
  try {
    if (port === undefined) throw new Error('no task announced this address');
    role = String(((await ask(port, 'ROLE')) as unknown[])[0]);
  } catch (err) {
    role = `dead (${String(err).slice(0, 80)})`;
  }
  ctx.rec({ t: Date.now(), type: 'zk-probe', address, role, changedAt });
}

/** Runs `read` on every live task of an app each `everyMs`, recording what it answers when that changes. */
function watchEach<T>(
  ctx: RunContext,
  app: 'watcher' | 'sentinel' | 'redis',
  everyMs: number,
  read: (task: Task) => Promise<{ key: string; value: T }>,
  record: (address: string, value: T) => void,
): void {
  const last = new Map<string, string>();
  ctx.loop(everyMs, async () => {
    await Promise.all(
      ctx.tasksOf(app).map(async (task) => {
        const a = task.address;
        const { key, value } = await read(task);
        if (last.get(a) === key) return;
        last.set(a, key);
        record(a, value);
      }),
    );
  });
}

function observeWatchers(ctx: RunContext): void {
  watchEach(
    ctx,
    'watcher',
    200,
    async (task) => {
      const r = await getJson(`http://127.0.0.1:${task.local[0]}/sentinels`);
      const list = r && Array.isArray(r.body) ? (r.body as Array<{ host: string; port: number }>).map((s) => `${s.host}:${s.port}`).sort() : null;
      return { key: `${r?.status ?? 0} ${JSON.stringify(list)}`, value: { status: r?.status ?? 0, list } };
    },
    (watcher, v) => ctx.rec({ t: Date.now(), type: 'sentinels', watcher, ...v }),
  );
}

function observeSentinels(ctx: RunContext): void {
  watchEach(
    ctx,
    'sentinel',
    250,
    async (task) => {
      let named: string;
      try {
        const reply = (await ask(task.local[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SET)) as string[] | null;
        named = reply ? `${reply[0]}:${reply[1]}` : 'none';
      } catch {
        named = 'dead';
      }
      return { key: named, value: named };
    },
    (sentinel, master) => ctx.rec({ t: Date.now(), type: 'sentinel-master', sentinel, master }),
  );
}

function observeNodes(ctx: RunContext): void {
  watchEach(
    ctx,
    'redis',
    250,
    async (task) => {
      const r = await replicationOf(task.local[0]!);
      const role = r?.get('role') ?? 'dead';
      const master = r?.get('role') === 'slave' ? `${r.get('master_host')}:${r.get('master_port')}` : undefined;
      const link = r?.get('master_link_status');
      ctx.roleNow.set(task.address, role);
      return { key: `${role} ${master} ${link}`, value: { role, ...(master ? { master } : {}), ...(link ? { link } : {}) } };
    },
    (address, v) => ctx.rec({ t: Date.now(), type: 'role', address, ...v }),
  );
}
