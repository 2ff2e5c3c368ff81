import { type Address, type Directory, gatherStatus, type RedisPool, SingleFlight } from '@redis-zk/core';
import type { Following } from './follow/follow-failovers';
import type { MasterMap, SentinelList } from './follow/zk-views';
import { historyOf } from './history-view';
import type { Freshness, Health, WatcherView } from './view';

/** How long a /status or /history answer is served again before it is gathered anew. */
const STATUS_TTL_MS = 1000;

/** What the HTTP API serves, from the watched ZooKeeper views and the following of Sentinel. */
export function watcherView(o: {
  dir: Directory;
  sentinels: SentinelList;
  masters: MasterMap;
  following: Following;
  freshness: () => Freshness;
  staleSince: () => string | null;
  pool: RedisPool;
}): WatcherView {
  const { dir, sentinels, masters, following, pool } = o;
  const health = (): Health => {
    const reasons: string[] = [];
    const followed = following.subscriber.following;
    if (!dir.connected) reasons.push('not connected to ZooKeeper');
    if (!followed) reasons.push(sentinels.current.length === 0 ? 'no sentinel registered in ZooKeeper' : 'not following any sentinel');
    return { ok: reasons.length === 0, zookeeper: dir.connected, following: followed, reasons };
  };
  // /status and /history ask every sentinel, node and ZooKeeper: at most once per STATUS_TTL_MS whatever the request rate.
  const statusRead = new SingleFlight(
    () =>
      gatherStatus({
        masters: masters.current,
        sentinels: sentinels.current,
        lastFailover: following.writer.lastFailover,
        nodes: async (name) => (await dir.listNodes(name)).map((n) => n.address),
        history: (name) => dir.readHistory(name),
        staleSince: o.staleSince(),
        records: (name) => dir.readMemberRecords(name),
        pause: (name) => dir.readPause(name),
        pool,
      }),
    STATUS_TTL_MS,
  );
  const historyRead = new SingleFlight((name: string) => historyOf(dir, name, masters.current), STATUS_TTL_MS);
  return {
    sentinels: () => sentinels.current,
    // ZooKeeper's masters, with any failover seen while ZooKeeper was away (not written yet) on top.
    masters: () =>
      new Map([
        ...[...masters.current].flatMap(([name, reg]): Array<[string, Address]> => (reg.address ? [[name, reg.address]] : [])),
        ...following.switches.unwritten(),
      ]),
    health,
    freshness: o.freshness,
    liveness: () => ({ ok: true, reason: 'main thread' }),
    status: () => statusRead.get('all'),
    history: (name) => historyRead.get(name),
  };
}
