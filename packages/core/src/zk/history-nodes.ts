import { fenceCompletes, HISTORY_LIMIT, type HistoryEvent, historyNodeName, mergeHistory, parseHistoryEvent, redundantFences } from '../members/history';
import { CreateMode, isBadVersion, isNodeExists, type ZkClient } from './client';
import type { ZkPaths } from './paths';

/** A set's history of changes of master in ZooKeeper (`history/<name>`): recorded once per change, read in the order made. */
export class HistoryNodes {
  constructor(
    private readonly zk: ZkClient,
    private readonly paths: ZkPaths,
  ) {}

  /**
   * Records a change of master in the set's history, exactly once per change: a change Sentinel
   * carried out goes to the node named by historyNodeName (every recorder of it creates the same
   * node; the first wins, and mergeHistory decides whether a later one adds what it knows, as a
   * compare-and-set); a change one node made alone is appended (sequential node). The last
   * HISTORY_LIMIT are kept.
   */
  async record(name: string, event: HistoryEvent): Promise<'recorded' | 'merged' | 'already recorded'> {
    const dir = this.paths.history(name);
    const key = historyNodeName(event);
    if (!key) {
      if (event.cause === 'fence' && fenceCompletes((await this.read(name)).at(-1), event)) return 'already recorded';
      const created = await this.zk.createWithParents(`${dir}/e-`, JSON.stringify(event), CreateMode.PERSISTENT_SEQUENTIAL);
      // The change this fence completes may have been recorded meanwhile (its asker writes at the same moment).
      if (event.cause === 'fence' && (await this.dropRedundantFences(name, created.slice(dir.length + 1)))) return 'already recorded';
      await this.trimHistory(name);
      return 'recorded';
    }
    const path = `${dir}/${key}`;
    try {
      await this.zk.createWithParents(path, JSON.stringify(event));
      await this.dropRedundantFences(name); // the old master's fence, recorded a moment before
      await this.trimHistory(name);
      return 'recorded';
    } catch (err) {
      if (!isNodeExists(err)) throw err;
    }
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const node = await this.zk.getData(path);
      const stored = node && parseHistoryEvent(node.data.toString());
      const merged = stored ? mergeHistory(stored, event) : null;
      if (!node || !merged) return 'already recorded';
      try {
        await this.zk.setData(path, JSON.stringify(merged), node.version);
        return 'merged';
      } catch (err) {
        if (!isBadVersion(err)) throw err;
      }
    }
    return 'already recorded';
  }

  /** Removes the fence entries another recorded change completes (redundantFences); whether `own` (a node name) was one. */
  private async dropRedundantFences(name: string, own?: string): Promise<boolean> {
    const dir = this.paths.history(name);
    const entries = (await this.readHistoryNodes(name, await this.zk.getChildren(dir))).flatMap((e) => (e.event ? [{ ...e, event: e.event }] : []));
    const drop = redundantFences(entries.map((e) => e.event)).map((i) => entries[i]!.node);
    await Promise.all(drop.map((node) => this.zk.remove(`${dir}/${node}`).catch(() => undefined)));
    return own !== undefined && drop.includes(own);
  }

  /** Removes the oldest entries (by creation, ZooKeeper's order) beyond HISTORY_LIMIT. */
  private async trimHistory(name: string): Promise<void> {
    const dir = this.paths.history(name);
    const children = await this.zk.getChildren(dir);
    if (children.length <= HISTORY_LIMIT) return;
    const entries = await this.readHistoryNodes(name, children);
    await Promise.all(entries.slice(0, entries.length - HISTORY_LIMIT).map((e) => this.zk.remove(`${dir}/${e.node}`).catch(() => undefined)));
  }

  private async readHistoryNodes(name: string, children: readonly string[]): Promise<Array<{ node: string; czxid: bigint; event: HistoryEvent | null }>> {
    const dir = this.paths.history(name);
    const read = await Promise.all(
      children.map(async (node) => {
        const data = await this.zk.getData(`${dir}/${node}`);
        return data ? { node, czxid: data.czxid, event: parseHistoryEvent(data.data.toString()) } : null;
      }),
    );
    return read
      .filter((e): e is { node: string; czxid: bigint; event: HistoryEvent | null } => e !== null)
      .sort((a, b) => (a.czxid < b.czxid ? -1 : a.czxid > b.czxid ? 1 : 0));
  }

  /** The set's history, oldest first (in the order the entries were made); junk is left out. */
  async read(name: string): Promise<HistoryEvent[]> {
    const entries = await this.readHistoryNodes(name, await this.zk.getChildren(this.paths.history(name)));
    return entries.flatMap((e) => (e.event ? [e.event] : []));
  }

  /** One history node; null when gone or junk. */
  async readEntry(name: string, node: string): Promise<HistoryEvent | null> {
    const data = await this.zk.getData(`${this.paths.history(name)}/${node}`);
    return data ? parseHistoryEvent(data.data.toString()) : null;
  }
}
