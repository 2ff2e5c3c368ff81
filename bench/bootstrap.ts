import { cpuUs, onlineReplicas, plainRedis, type Processes, until } from './lib';
import type { Ours } from './deployment';

export interface OursBootstrap {
  ms: number;
  /** Each wrapper's CPU (user + system, its own process, not redis-server) from its start until the set was ready. */
  wrapperCpuMs: number[];
}

/**
 * 1 master + n replicas started at once, until every replica is synced (and, for ours,
 * registered, with ZooKeeper naming the master).
 */
export async function bootstrapOurs(ours: Ours, ps: Processes, n: number, round: number): Promise<OursBootstrap> {
  const root = `/bench-boot-${n}-${round}`;
  const dir = ours.directory(root);
  const started = Date.now();
  const tasks = await Promise.all(Array.from({ length: n + 1 }, () => ours.task(ps, 'redis-wrapper', root, { MASTER_NAME: 'boot' })));
  const master = await until('a master in ZooKeeper', async () => (await dir.readMaster('boot'))?.address, 120000, 10);
  // Counting children is enough to watch for (listNodes would read every node, every 10 ms, and
  // load the ZooKeeper the programs are using); the registrations are read once at the end.
  await until('every node registered', async () => (await ours.client.getChildren(dir.paths.nodes('boot'))).length === n + 1, 120000, 10);
  await until('every replica synced', async () => (await onlineReplicas(master.port)) === n, 120000, 10);
  const ms = Date.now() - started;
  const wrapperCpuMs = tasks.map((x) => cpuUs(x.proc.pid) / 1000);
  if ((await dir.listNodes('boot')).length !== n + 1) throw new Error('bench: a node registration is not an address');
  await ps.stopAll();
  return { ms, wrapperCpuMs };
}

/** The same with plain redis-server processes given their roles by hand: the shipped base config, or Redis's defaults. */
export async function bootstrapPlain(ps: Processes, n: number, config: 'shipped' | 'defaults' = 'shipped'): Promise<number> {
  const started = Date.now();
  const master = await plainRedis(ps, `plain-m-${Date.now()}`, undefined, undefined, config);
  await Promise.all(Array.from({ length: n }, (_, i) => plainRedis(ps, `plain-r${i}-${Date.now()}`, master.port, undefined, config)));
  await until('every replica synced', async () => (await onlineReplicas(master.port)) === n, 120000, 10);
  const ms = Date.now() - started;
  await ps.stopAll();
  return ms;
}
