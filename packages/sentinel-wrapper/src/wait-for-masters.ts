import { type Address, type Directory, isLiveMaster, type Logger, probeRedis, sleep } from '@redis-zk/core';
import { monitorable } from './set-snapshot';

/**
 * A set whose `masters/<name>` is not an address (junk) may still have a live master among its
 * registered nodes: the only one answering as master is taken, so junk alone cannot keep a set
 * without sentinels forever (the watcher then corrects ZooKeeper through them).
 */
async function liveMasterOfNodes(dir: Directory, name: string): Promise<Address | null> {
  const nodes = await dir.listNodes(name);
  const probes = await Promise.all(nodes.map((n) => probeRedis(n.address, { timeoutMs: 1000 })));
  const masters = probes.filter(isLiveMaster);
  return masters.length === 1 ? monitorable(masters[0]!.address) : null;
}

/** The wanted sets' masters as ZooKeeper names them, and the newest config epoch recorded among them. */
export interface RegisteredMasters {
  masters: Map<string, Address>;
  /** The newest Sentinel config epoch ZooKeeper holds for them (0: none recorded). */
  newestEpoch: number;
}

/**
 * Waits until ZooKeeper names at least one wanted master (see liveMasterOfNodes for junk);
 * returns them all. Bounded by `timeoutMs` (0 = forever). Polls, so a ZooKeeper outage meanwhile
 * is just waited out.
 */
export async function waitForMasters(dir: Directory, wanted: (name: string) => boolean, timeoutMs: number, log: Logger): Promise<RegisteredMasters | null> {
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  let logged = false;
  for (;;) {
    try {
      const names = (await dir.listMasterNames()).filter(wanted);
      const found = new Map<string, Address>();
      let newestEpoch = 0;
      for (const name of names) {
        const m = await dir.readMaster(name);
        const address = monitorable(m?.address) ?? (m ? await liveMasterOfNodes(dir, name) : null);
        if (address) found.set(name, address);
        newestEpoch = Math.max(newestEpoch, m?.epoch ?? 0);
      }
      if (found.size > 0) return { masters: found, newestEpoch };
    } catch (err) {
      log.debug({ err: String(err) }, 'reading masters failed; retrying');
    }
    if (Date.now() >= deadline) return null;
    if (!logged) log.info({ path: dir.paths.masters, reason: 'no master registered yet' }, 'waiting for a master');
    logged = true;
    await sleep(250);
  }
}
