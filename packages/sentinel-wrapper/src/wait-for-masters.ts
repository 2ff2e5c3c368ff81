import { type Address, type Directory, type Logger, sleep } from '@redis-zk/core';

/**
 * Waits until ZooKeeper names at least one wanted master with a valid address; returns them all.
 * Bounded by `timeoutMs` (0 = forever). Polls, so a ZooKeeper outage meanwhile is just waited out.
 */
export async function waitForMasters(dir: Directory, wanted: (name: string) => boolean, timeoutMs: number, log: Logger): Promise<Map<string, Address> | null> {
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  let logged = false;
  for (;;) {
    try {
      const names = (await dir.listMasterNames()).filter(wanted);
      const found = new Map<string, Address>();
      for (const name of names) {
        const m = await dir.readMaster(name);
        if (m?.address) found.set(name, m.address);
      }
      if (found.size > 0) return found;
    } catch (err) {
      log.debug({ err: String(err) }, 'reading masters failed; retrying');
    }
    if (Date.now() >= deadline) return null;
    if (!logged) log.info({ path: dir.paths.masters, reason: 'no master registered yet' }, 'waiting for a master');
    logged = true;
    await sleep(250);
  }
}
