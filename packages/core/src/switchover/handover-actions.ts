import { type Address, addressOf, sameAddress } from '../address';
import { askSentinelsToFailOver, replicate } from '../actions/set-actions';
import type { Logger } from '../log';
import { withSentinel } from '../redis/connect';
import { readReplication } from '../redis/replication';
import { askSentinels } from '../sentinel/query';
import { sleep } from '../time';
import type { HandoverInputs } from './handover';
import { sentinelMove } from './readiness';
import { WritePause } from './write-pause';

// The handover's steps that act on the set: pause and release writes, wait for the replica to
// catch up, ask Sentinel to fail over, wait for the promotion, demote the old master.

/** The inputs with what the handover settled: the replica to promote, the deadlines. */
export interface Handover extends HandoverInputs {
  target: Address | undefined;
  deadline: number;
  /** Until when the command waits for the moment Sentinel notices the promotion soonest (set at each attempt once Sentinel is ready). */
  alignUntil: number;
}

/** Sentinel's refusals that go away by themselves: a failover still running, a replica it has not learnt yet. */
const TRANSIENT = /INPROG|NOGOODSLAVE/;

/**
 * The paused master's offset once the replica to promote has everything it has (without a target,
 * every online replica: Sentinel may pick any); null while not. The master's count of a replica's offset moves only with
 * its REPLCONF ACK, once a second; the replica's own offset (same history) moves as it applies the
 * stream, so it is asked too.
 */
export async function caughtUpNow(handover: Handover): Promise<number | null> {
  const m = await readReplication(handover.master, { timeoutMs: 1000 }).catch(() => null);
  if (!m) return null;
  const has = async (r: { address: Address; offset: number }): Promise<boolean> => {
    if (r.offset >= m.offset) return true;
    const own = await readReplication(r.address, { timeoutMs: 1000 }).catch(() => null);
    return !!own && own.role === 'replica' && own.replid === m.replid && own.offset >= m.offset;
  };
  const online = m.replicas.filter((r) => r.online);
  const caughtUp = handover.target
    ? await has(m.replicas.find((r) => sameAddress(r.address, handover.target)) ?? { address: handover.target, offset: -1 })
    : online.length > 0 && (await Promise.all(online.map(has))).every(Boolean);
  return caughtUp ? m.offset : null;
}

/** Makes the old master a replica of `promoted` and cuts its clients off (set-actions.ts). */
export async function demoteTo(handover: Handover, promoted: Address): Promise<void> {
  await replicate(handover.master, promoted, { timeoutMs: 2000 }).catch((err) => {
    // Its own wrapper may fence it in the same moment (and cut this connection): then it is done already.
    handover.log.info(
      { err: String(err), reason: 'the old master may have been demoted by its own wrapper meanwhile' },
      'could not demote the old master; Sentinel or its wrapper will',
    );
  });
}

/** A connection refused: the server is not there (a timeout may be a busy one). */
export const gone = (err: unknown): boolean => /ECONNREFUSED/.test(String(err));

/** Each handover's write pause: renewed in short slices, so it ends soon after a handover that died (write-pause.ts). */
const pauses = new WeakMap<Handover, WritePause>();
export async function pauseWrites(handover: Handover): Promise<void> {
  let pause = pauses.get(handover);
  if (!pause) {
    pause = new WritePause(handover.master, handover.deadline, handover.log);
    pauses.set(handover, pause);
  }
  try {
    await pause.start();
  } catch (err) {
    await unpauseWrites(handover); // a slice may have taken although its answer was lost; and its connection goes
    throw err;
  }
}
export async function unpauseWrites(handover: Handover): Promise<void> {
  const pause = pauses.get(handover);
  pauses.delete(handover);
  await pause?.end();
}

/**
 * Ends a handover's pause that did not hand over: lifted, unless a sentinel is failing over from
 * this master meanwhile (its wrapper pauses writes for that too, and CLIENT UNPAUSE would lift
 * both: nemesis seed 806139292 lost 9 acknowledged writes so); then the pause runs out by itself
 * within a slice while the wrapper renews its own.
 */
export async function releaseWrites(handover: Handover, sentinels: readonly Address[]): Promise<void> {
  const pause = pauses.get(handover);
  if (!pause) return;
  const move =
    sentinels.length > 0 ? sentinelMove(await askSentinels(sentinels, handover.name, { timeoutMs: 500 }), handover.announce) : { kind: 'none' as const };
  if (move.kind === 'none') return unpauseWrites(handover);
  pauses.delete(handover);
  pause.abandon();
  handover.log.info({ reason: move.reason }, 'writes left paused until the slice runs out: Sentinel is failing over from this master');
}

/** The leader's answer to GET-MASTER-ADDR-BY-NAME once it names another master (one connection, polled); null at the deadline. */
export async function untilPromoted(handover: Handover, leader: Address): Promise<Address | null> {
  while (Date.now() < handover.deadline) {
    const found = await withSentinel(leader, { timeoutMs: 1000 }, async (r) => {
      while (Date.now() < handover.deadline) {
        const reply = (await r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', handover.name)) as [string, string] | null;
        const now = reply ? addressOf(reply[0], reply[1]) : null;
        if (now && !sameAddress(now, handover.announce)) return now;
        await sleep(5);
      }
      return null;
    }).catch(() => null); // a dropped connection: ask again on a new one
    if (found) return found;
    await sleep(20);
  }
  return null;
}

/** SENTINEL FAILOVER on the first sentinel that accepts; 'transient' when all refused for a passing reason, else why. */
export async function askFailover(handover: Handover, sentinels: readonly Address[], log: Logger): Promise<Address | 'transient' | string> {
  const asked = await askSentinelsToFailOver(sentinels, handover.name, log);
  if ('accepted' in asked) return asked.accepted;
  if (asked.refusals.some((r) => TRANSIENT.test(r))) return 'transient';
  return `no sentinel accepted SENTINEL FAILOVER (${asked.refusals.join('; ')})`;
}
