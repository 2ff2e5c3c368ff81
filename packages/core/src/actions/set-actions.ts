import { type Address, formatAddress } from '../address';
import type { Logger } from '../log';
import { type ConnectOptions, withRedis, withSentinel } from '../redis/connect';

// The actions on a set that more than one program takes, each written once: the node loop's
// fence and re-point, the handover's demotion, the crash failover's and the handover's request
// to Sentinel. (The write pauses differ on purpose: the loop's is renewed every tick, the
// handover's comes in slices bounded by its deadline.)

/**
 * Makes `node` a replica of `master` and cuts its clients off, as Sentinel does when it
 * reconfigures a node: they ask Sentinel again (or HAProxy sends them to the master) instead of
 * meeting READONLY for ever. One transaction, so no write slips in between.
 */
export async function replicate(node: Address, master: Address, opts: ConnectOptions = {}): Promise<void> {
  await withRedis(node, opts, (r) =>
    r.multi().call('REPLICAOF', master.host, String(master.port)).call('CLIENT', 'KILL', 'TYPE', 'normal').call('CLIENT', 'KILL', 'TYPE', 'pubsub').exec(),
  );
}

/** What asking the sentinels for a failover came to: the one that accepted, or each one's refusal. */
export type FailoverAsked = { readonly accepted: Address } | { readonly refusals: readonly string[] };

/** SENTINEL FAILOVER <name> on each sentinel in turn until one accepts (a refusal is logged at debug). */
export async function askSentinelsToFailOver(sentinels: readonly Address[], name: string, log: Logger): Promise<FailoverAsked> {
  const refusals: string[] = [];
  for (const s of sentinels) {
    try {
      await withSentinel(s, { timeoutMs: 1000 }, (r) => r.call('SENTINEL', 'FAILOVER', name));
      return { accepted: s };
    } catch (err) {
      refusals.push(String(err));
      log.debug({ sentinel: formatAddress(s), err: String(err) }, 'sentinel refused the failover; trying the next');
    }
  }
  return { refusals };
}
