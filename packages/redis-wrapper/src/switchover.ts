import { type Address, askSentinel, type Directory, formatAddress, type Logger, parseInfo, sleep, withRedis, withSentinel } from '@redis-zk/core';

export interface SwitchoverInputs {
  dir: Directory;
  name: string;
  /** Where the local redis-server listens, and what it announces. */
  local: Address;
  announce: Address;
  password: string | undefined;
  timeoutMs: number;
  log: Logger;
}

/** Replication facts of the local server: role, offset, and the offsets its replicas acked. */
async function replication(i: SwitchoverInputs) {
  const info = parseInfo(await withRedis(i.local, { password: i.password, timeoutMs: 1000 }, (r) => r.info('replication')));
  const replicaOffsets = [...info.entries()]
    .filter(([k]) => /^slave\d+$/.test(k))
    .map(([, v]) => Number(/offset=(\d+)/.exec(v)?.[1] ?? -1));
  return { role: info.get('role'), offset: Number(info.get('master_repl_offset') ?? 0), replicaOffsets };
}

/**
 * A planned stop of the master without losing acknowledged writes and with a short write outage:
 * pause writes, let every replica catch up, ask Sentinel to fail over (SENTINEL FAILOVER), wait
 * until this node is a replica, then unpause (clients still blocked get READONLY and move to the
 * new master). Bounded by `timeoutMs`; whatever fails, the stop goes on.
 */
export async function switchOver(i: SwitchoverInputs): Promise<void> {
  if (i.timeoutMs === 0) return;
  const deadline = Date.now() + i.timeoutMs;
  const log = i.log.child({ step: 'switchover' });
  let state;
  try {
    state = await replication(i);
  } catch (err) {
    log.warn({ err: String(err), reason: 'redis-server does not answer' }, 'stopping without switchover');
    return;
  }
  if (state.role !== 'master') return;
  if (state.replicaOffsets.length === 0) {
    log.warn({ reason: 'no connected replica to promote' }, 'stopping without switchover');
    return;
  }
  const sentinels = await i.dir.listSentinels().catch(() => []);
  if (sentinels.length === 0) {
    log.warn({ reason: 'no sentinel registered (or ZooKeeper unavailable)' }, 'stopping without switchover');
    return;
  }
  const started = Date.now();
  await withRedis(i.local, { password: i.password }, (r) => r.call('CLIENT', 'PAUSE', String(i.timeoutMs), 'WRITE'));
  try {
    // Every write acknowledged so far must be on the replicas before one of them takes over.
    while (Date.now() < deadline) {
      const s = await replication(i);
      if (s.replicaOffsets.some((o) => o >= s.offset)) break;
      await sleep(20);
    }
    let asked: Address | undefined;
    for (const s of sentinels) {
      try {
        await withSentinel(s.address, { timeoutMs: 1000 }, (r) => r.call('SENTINEL', 'FAILOVER', i.name));
        asked = s.address;
        break;
      } catch (err) {
        log.debug({ sentinel: formatAddress(s.address), err: String(err) }, 'sentinel refused the failover; trying the next');
      }
    }
    if (!asked) {
      log.warn({ reason: 'no sentinel accepted SENTINEL FAILOVER' }, 'stopping without switchover');
      return;
    }
    // Sentinel promotes a replica, then would demote this node on its next look; demoting it
    // here at once shortens the window in which clients still reach the old master.
    while (Date.now() < deadline) {
      const view = await askSentinel(asked, i.name);
      const promoted = view.reachable ? view.master : null;
      if (promoted && !(promoted.host === i.announce.host && promoted.port === i.announce.port)) {
        await withRedis(i.local, { password: i.password, timeoutMs: 2000 }, (r) => r.call('REPLICAOF', promoted.host, String(promoted.port)));
        log.info({ sentinel: formatAddress(asked), master: formatAddress(promoted), ms: Date.now() - started, reason: 'planned stop of the master' }, 'switched over; this node is now a replica');
        return;
      }
      await sleep(50);
    }
    log.warn({ timeoutMs: i.timeoutMs, reason: 'Sentinel did not promote a replica in time' }, 'stopping without a completed switchover');
  } finally {
    await withRedis(i.local, { password: i.password }, (r) => r.call('CLIENT', 'UNPAUSE')).catch(() => undefined);
  }
}
