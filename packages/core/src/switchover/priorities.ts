import { type Address, formatAddress, sameAddress } from '../address';
import type { Logger } from '../log';
import { withRedis } from '../redis/connect';
import { askSentinels } from '../sentinel/query';

export interface Exclusion {
  /** Gives every replica its replica-priority back (best effort, logged). */
  restore(): Promise<void>;
}

/**
 * Makes every replica of the set but `keep` ineligible for promotion (replica-priority 0, the
 * live value only: nothing is written to a config file), so that Sentinel's failover picks
 * `keep`. The replicas are those the master lists and those any sentinel knows. restore() puts
 * back what each had; the caller must call it whatever happens.
 */
export async function excludeFromPromotion(o: {
  name: string;
  sentinels: readonly Address[];
  masterReplicas: readonly Address[];
  keep: Address;
  log: Logger;
}): Promise<Exclusion> {
  const views = await askSentinels(o.sentinels, o.name, { withReplicas: true, timeoutMs: 1000 });
  const all = [...o.masterReplicas, ...views.flatMap((v) => (v.reachable ? (v.replicas ?? []).map((r) => r.address) : []))];
  const others = all.filter((a, i) => !sameAddress(a, o.keep) && all.findIndex((b) => sameAddress(a, b)) === i);
  const changed: Array<{ address: Address; priority: string }> = [];
  await Promise.all(
    others.map(async (address) => {
      try {
        await withRedis(address, { timeoutMs: 1000 }, async (r) => {
          const [, priority] = (await r.call('CONFIG', 'GET', 'replica-priority')) as [string, string];
          if (priority === '0') return;
          // Noted before the SET: one whose answer is lost (a timeout on a busy machine) must still be undone.
          changed.push({ address, priority });
          await r.call('CONFIG', 'SET', 'replica-priority', '0');
        });
      } catch (err) {
        // A replica that does not answer cannot be promoted either (Sentinel skips it).
        o.log.info({ replica: formatAddress(address), err: String(err) }, 'replica not made ineligible: it does not answer');
      }
    }),
  );
  o.log.info(
    { keep: formatAddress(o.keep), ineligible: changed.map((c) => formatAddress(c.address)), reason: 'switchover to a chosen replica' },
    'other replicas made ineligible for promotion (replica-priority 0) until the switchover ends',
  );
  return {
    async restore() {
      await Promise.all(
        changed.map(async ({ address, priority }) => {
          try {
            await withRedis(address, { timeoutMs: 2000 }, (r) => r.call('CONFIG', 'SET', 'replica-priority', priority));
          } catch (err) {
            o.log.error(
              { replica: formatAddress(address), priority, err: String(err) },
              'could not restore replica-priority: set it back by hand (CONFIG SET replica-priority)',
            );
          }
        }),
      );
    },
  };
}
