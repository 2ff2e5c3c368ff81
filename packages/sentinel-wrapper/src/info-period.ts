import { type Address, type Logger, type RedisPool, withSentinel } from '@redis-zk/core';

/**
 * Sets how often the local Sentinel reads each node's INFO outside failovers (`SENTINEL DEBUG
 * info-period`, Redis 7.0+, not a config file directive: set on each start). Sentinel's own 10 s
 * is how long it may take to learn a new replica or a replica-priority changed for a switchover,
 * and a planned stop of the master waits for both. A Sentinel that refuses keeps its own period:
 * slower switchovers, nothing unsafe, so the refusal is logged and the start goes on.
 */
export async function setInfoPeriod(local: Address, periodMs: number, pool: RedisPool, log: Logger): Promise<void> {
  try {
    await withSentinel(local, { timeoutMs: 2000, pool }, (r) => r.call('SENTINEL', 'DEBUG', 'info-period', String(periodMs)));
    log.info({ infoPeriodMs: periodMs, reason: 'SENTINEL_INFO_PERIOD_MS' }, "Sentinel's INFO period set");
  } catch (err) {
    log.warn(
      { infoPeriodMs: periodMs, err: String(err), reason: 'SENTINEL DEBUG info-period refused (Sentinel before 7.0?)' },
      'Sentinel keeps its own INFO period (10 s): switchovers wait longer for it to learn replicas',
    );
  }
}
