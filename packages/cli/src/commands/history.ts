import { CliError, type CliContext, EXIT } from '../context';
import { historyTable } from '../format';

/** `redis-zk history <set> [--json] [--limit n]`: the set's changes of master, oldest first. */
export async function historyCommand(ctx: CliContext, set: string, o: { json: boolean; limit: number }): Promise<string> {
  const [history, master] = await Promise.all([ctx.dir.readHistory(set), ctx.dir.readMaster(set)]);
  if (history.length === 0 && !master) throw new CliError(`no replica set ${JSON.stringify(set)} in ZooKeeper (no master, no history)`, EXIT.notFound);
  const shown = history.slice(-o.limit);
  if (o.json) return JSON.stringify(shown, null, 2);
  if (shown.length === 0) return `${set}: no change of master recorded yet`;
  return historyTable(shown, true);
}
