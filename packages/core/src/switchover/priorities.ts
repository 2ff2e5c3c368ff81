import { type Address, formatAddress, sameAddress } from '../address';
import type { Logger } from '../log';
import { withRedis } from '../redis/connect';
import { askSentinels } from '../sentinel/query';
import { sleep } from '../time';

export interface Exclusion {
  /** Gives every replica its replica-priority back (best effort, logged). */
  restore(): Promise<void>;
}

/**
 * Makes every replica of the set but `keep` ineligible for promotion (replica-priority 0, the
 * live value only: nothing is written to a config file), so that Sentinel's failover picks
 * `keep`. The replicas are those the master lists and those any sentinel knows. Their priorities
 * are read first and handed to `record` (the switchover's claim in ZooKeeper) before any is
 * changed, so that each replica's own node loop can give its priority back if the caller dies.
 * restore() puts back what each had; the caller must call it whatever happens.
 */
export async function excludeFromPromotion(o: {
  name: string;
  sentinels: readonly Address[];
  masterReplicas: readonly Address[];
  keep: Address;
  log: Logger;
  /** Why `keep` (logged); a switchover to a chosen replica by default. */
  reason?: string;
  record: (excluded: ReadonlyArray<{ address: Address; priority: number }>) => Promise<void>;
}): Promise<Exclusion> {
  const views = await askSentinels(o.sentinels, o.name, { withReplicas: true, timeoutMs: 1000 });
  const all = [...o.masterReplicas, ...views.flatMap((v) => (v.reachable ? (v.replicas ?? []).map((r) => r.address) : []))];
  const others = all.filter((a, i) => !sameAddress(a, o.keep) && all.findIndex((b) => sameAddress(a, b)) === i);
  const read = await Promise.all(
    others.map(async (address) => {
      try {
        const [, priority] = await withRedis(address, { timeoutMs: 1000 }, (r) => r.call('CONFIG', 'GET', 'replica-priority') as Promise<[string, string]>);
        return { address, priority: Number(priority) };
      } catch (err) {
        // A replica that does not answer cannot be promoted either (Sentinel skips it).
        o.log.info({ replica: formatAddress(address), err: String(err) }, 'replica not made ineligible: it does not answer');
        return null;
      }
    }),
  );
  const toExclude = read.filter((r): r is { address: Address; priority: number } => !!r && Number.isInteger(r.priority) && r.priority > 0);
  await o.record(toExclude);
  const changed: Array<{ address: Address; priority: string }> = [];
  await Promise.all(
    toExclude.map(async ({ address, priority }) => {
      // Noted before the SET: one whose answer is lost (a timeout on a busy machine) must still be undone.
      changed.push({ address, priority: String(priority) });
      await withRedis(address, { timeoutMs: 1000 }, (r) => r.call('CONFIG', 'SET', 'replica-priority', '0')).catch((err: unknown) =>
        o.log.info({ replica: formatAddress(address), err: String(err) }, 'replica not made ineligible: it does not answer'),
      );
    }),
  );
  o.log.info(
    { keep: formatAddress(o.keep), ineligible: changed.map((c) => formatAddress(c.address)), reason: o.reason ?? 'switchover to a chosen replica' },
    'other replicas made ineligible for promotion (replica-priority 0) until the failover ends',
  );
  return { restore: () => Promise.all(changed.map((c) => restorePriority(c.address, c.priority, o.log))).then(() => undefined) };
}

/** Tries to give a replica its priority back this many times, RESTORE_RETRY_MS apart. */
const RESTORE_TRIES = 10;
const RESTORE_RETRY_MS = 300;

/**
 * Sets a replica's replica-priority back, and reads it back to be sure: retried, because right
 * after the switchover Sentinel reconfigures the replicas with `CLIENT KILL TYPE normal`, which
 * cuts off a connection whose SET is under way (a fresh run found a replica left at 0).
 */
async function restorePriority(address: Address, priority: string, log: Logger): Promise<void> {
  let last = '';
  for (let attempt = 1; attempt <= RESTORE_TRIES; attempt += 1) {
    try {
      const now = await withRedis(address, { timeoutMs: 2000 }, async (r) => {
        await r.call('CONFIG', 'SET', 'replica-priority', priority);
        return ((await r.call('CONFIG', 'GET', 'replica-priority')) as [string, string])[1];
      });
      if (now === priority) return;
      last = `read back ${now}`;
    } catch (err) {
      last = String(err);
    }
    if (attempt < RESTORE_TRIES) await sleep(RESTORE_RETRY_MS);
  }
  log.error(
    { replica: formatAddress(address), priority, err: last, tries: RESTORE_TRIES },
    'could not restore replica-priority: set it back by hand (CONFIG SET replica-priority)',
  );
}
