import { type Address, type Directory, formatAddress, type Logger, sleep } from '@redis-zk/core';

/**
 * An elected master starts a new era: registered at epoch 0 (so the sentinels' next failover
 * always wins), retried while ZooKeeper is briefly away, and recorded in the history.
 */
export async function registerElectedMaster(o: { dir: Directory; name: string; self: Address; reason: string; log: Logger }): Promise<void> {
  const { dir, name, self, log } = o;
  const previous = await dir.readMaster(name).catch(() => null);
  for (let attempt = 1; ; attempt += 1) {
    try {
      await dir.writeMaster(name, self, { epoch: 0 });
      log.info({ reason: 'elected master' }, 'registered as master in ZooKeeper');
      break;
    } catch (err) {
      if (attempt >= 30) throw err;
      log.warn({ err: String(err), attempt }, 'registering master failed; retrying');
      await sleep(500);
    }
  }
  void dir
    .recordChange(name, {
      at: Date.now(),
      from: previous?.raw ?? null,
      to: formatAddress(self),
      cause: 'election',
      epoch: 0,
      by: `redis-wrapper ${formatAddress(self)}`,
      reason: o.reason,
    })
    .catch((err) => log.warn({ err: String(err) }, 'could not record the election in the history'));
}
