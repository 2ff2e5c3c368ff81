import { gatherStatus, type RegisteredMaster } from '@redis-zk/core';
import type { CliContext } from '../context';
import { setStatusText } from '../format';

/** `redis-zk status [--json]`: every set, gathered as the watcher's /status is. */
export async function statusCommand(ctx: CliContext, o: { json: boolean }): Promise<string> {
  const { dir } = ctx;
  const names = await dir.listMasterNames();
  const masters = new Map<string, RegisteredMaster>();
  await Promise.all(
    names.map(async (name) => {
      const reg = await dir.readMaster(name);
      if (reg) masters.set(name, reg);
    }),
  );
  const sentinels = (await dir.listSentinels()).map((s) => s.address);
  const status = await gatherStatus({
    masters,
    sentinels,
    nodes: async (name) => (await dir.listNodes(name)).map((n) => n.address),
    history: (name) => dir.readHistory(name),
    records: (name) => dir.readMemberRecords(name),
    pause: (name) => dir.readPause(name),
  });
  if (o.json) return JSON.stringify(status, null, 2);
  const sets = Object.keys(status).sort();
  if (sets.length === 0) return `no replica set in ZooKeeper (${sentinels.length} sentinels registered)`;
  return sets.map((name) => setStatusText(name, status[name]!)).join('\n\n');
}
