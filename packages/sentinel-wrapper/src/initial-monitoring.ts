import { type Address, formatAddress, PAUSED_QUORUM, type RedisPool, type Wrapper } from '@redis-zk/core';
import { planSet } from './plan';
import { snapshotSet } from './set-snapshot';

/** Each set's starting master: the ones to monitor as usual, and the paused ones (maintenance mode). */
export interface InitialMonitoring {
  sets: Map<string, Address>;
  /** Monitored from the start with PAUSED_QUORUM: this Sentinel never fails them over by itself. */
  paused: Map<string, Address>;
}

/**
 * Each set's starting address: ZooKeeper's, unless it is stale and other sentinels know better.
 * Every set at once: one after the other, 100 sets took half a minute before Sentinel started (#27).
 */
export async function decideInitialMonitoring(w: Wrapper<'sentinel-wrapper'>, registered: Map<string, Address>, pool: RedisPool): Promise<InitialMonitoring> {
  const { dir, announce, log } = w;
  const decided = await Promise.all(
    [...registered].map(async ([name, found]) => {
      // ZooKeeper gone quiet since waitForMasters read it (nemesis seed 65083130: a hang here ended
      // the program): start on the master just found; the follower corrects it once ZooKeeper answers.
      const snapshot = await snapshotSet(dir, name, announce, null, pool).catch((err: unknown) => {
        log.warn({ set: name, err: String(err) }, 'could not read the set again; monitoring the master just found');
        return null;
      });
      const action = snapshot ? planSet(snapshot) : null;
      // Unknown (ZooKeeper away) counts as paused: the follower lowers the quorum once it reads the set is not.
      const isPaused = await dir.readPause(name).then(
        (p) => p !== null,
        () => true,
      );
      return { name, found, action, isPaused };
    }),
  );
  const out: InitialMonitoring = { sets: new Map(), paused: new Map() };
  for (const { name, found, action, isPaused } of decided) {
    // Junk in masters/<name>: waitForMasters found the set's only live master among its nodes.
    const address = action?.kind === 'monitor' ? action.address : found;
    const reason = !action
      ? `ZooKeeper did not answer again; ${formatAddress(found)} is the master just read`
      : action.kind === 'monitor'
        ? action.reason
        : `ZooKeeper holds no valid address; ${formatAddress(found)} is the only live master among the set's nodes`;
    (isPaused ? out.paused : out.sets).set(name, address);
    log.info(
      { set: name, action: 'monitor', master: formatAddress(address), reason, ...(isPaused ? { quorum: PAUSED_QUORUM, paused: true } : {}) },
      'initial monitoring decision',
    );
  }
  return out;
}
