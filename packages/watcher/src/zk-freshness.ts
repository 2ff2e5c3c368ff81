import type { Directory, Logger } from '@redis-zk/core';
import type { Metrics } from './metrics';
import type { Freshness } from './view';
import type { MasterMap, SentinelList } from './follow/zk-views';

/**
 * How current the watcher's view of ZooKeeper is: stale from ZooKeeper's loss until the views are
 * read again (they keep serving meanwhile), and for how long ZooKeeper has been away.
 */
export function trackFreshness(o: { dir: Directory; sentinels: SentinelList; masters: MasterMap; metrics: Metrics; log: Logger; reconnected: () => void }) {
  const { dir, sentinels, masters, metrics, log } = o;
  let disconnectedAt: number | null = Date.now();
  let staleSince: string | null = null;
  dir.onConnection((usable, change) => {
    if (change) return; // a new session also reports usable: handled once
    metrics.zkConnected.set(usable ? 1 : 0);
    if (!usable) {
      disconnectedAt ??= Date.now();
      if (staleSince === null && sentinels.loaded) {
        staleSince = new Date().toISOString();
        log.warn({ reason: 'ZooKeeper connection lost' }, 'serving the last known sentinels and masters (stale)');
      }
      return;
    }
    disconnectedAt = null;
    o.reconnected();
  });
  metrics.zkConnected.set(0);
  const refreshed = () => {
    if (staleSince === null || !dir.connected) return;
    log.info({ staleSince }, 'view read from ZooKeeper again (current)');
    staleSince = null;
  };
  sentinels.on('change', refreshed);
  masters.on('change', refreshed);
  return {
    freshness: (): Freshness => ({ sentinelsLoaded: sentinels.loaded, mastersLoaded: masters.loaded, staleSince }),
    staleSince: () => staleSince,
    staleSeconds: () => (disconnectedAt === null ? 0 : (Date.now() - disconnectedAt) / 1000),
  };
}
