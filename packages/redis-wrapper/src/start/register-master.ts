import { type Address, type Directory, type Logger, sleep, recordMasterChange, recordedBy } from '@redis-zk/core';

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
  const by = recordedBy('redis-wrapper', self);
  void recordMasterChange(dir, name, { from: previous?.raw ?? null, to: self, cause: 'election', epoch: 0, by, reason: o.reason }, log);
}
