import { type Address, formatAddress, sameAddress } from '@redis-zk/core';
import { CliError, type CliContext, EXIT } from '../context';
import { type HaproxyNode, renderHaproxyConfig } from '../haproxy/render';

/**
 * `redis-zk haproxy-config <set>`: an HAProxy configuration for the set's live nodes (nodes/ in
 * ZooKeeper), each checked on the node API address its member record publishes.
 */
export async function haproxyConfigCommand(
  ctx: CliContext,
  set: string,
  o: { writeBind: Address; readBind?: Address | undefined; maxLagBytes: number; statsSocket?: string | undefined },
): Promise<string> {
  const { nodes, members: records, master } = await ctx.dir.readSet(set, { nodes: true, members: true });
  if (nodes.length === 0 && !master) throw new CliError(`no replica set ${JSON.stringify(set)} in ZooKeeper`, EXIT.notFound);
  const found: HaproxyNode[] = [];
  for (const n of nodes) {
    // The newest record of that address: a task that came back on the same port has a new data directory.
    const record = records.filter((r) => sameAddress(r.address, n.address) && r.api).sort((a, b) => (a.mzxid < b.mzxid ? 1 : -1))[0];
    if (record?.api) found.push({ redis: n.address, api: record.api });
    else process.stderr.write(`redis-zk: ${formatAddress(n.address)} has published no node API address yet; left out\n`);
  }
  if (found.length === 0) throw new CliError(`no live node of ${set} has published its node API address`, EXIT.failed);
  found.sort((a, b) => formatAddress(a.redis).localeCompare(formatAddress(b.redis)));
  return renderHaproxyConfig({
    set,
    nodes: found,
    writeBind: o.writeBind,
    readBind: o.readBind,
    maxLagBytes: o.maxLagBytes,
    statsSocket: o.statsSocket,
  }).trimEnd();
}
