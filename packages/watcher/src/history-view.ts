import type { Directory, HistoryEvent, RegisteredMaster } from '@redis-zk/core';

const SET_NAME = /^[A-Za-z0-9._-]+$/;

/** GET /history/<set>: the set's history, oldest first; null (404) for a set with neither a history nor a master. */
export async function historyOf(dir: Directory, name: string, masters: ReadonlyMap<string, RegisteredMaster>): Promise<readonly HistoryEvent[] | null> {
  if (!SET_NAME.test(name) || name === '.' || name === '..') return null;
  const history = await dir.readHistory(name);
  return history.length > 0 || masters.has(name) ? history : null;
}
