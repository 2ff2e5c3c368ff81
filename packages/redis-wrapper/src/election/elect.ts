import { type Address, type Directory, formatAddress, type Logger, sleep, type ZkLock } from '@redis-zk/core';
import { decide, type Decision } from './decide';
import { type ContenderInfo, takeSnapshot } from './snapshot';

export type Outcome = Extract<Decision, { kind: 'replicate' | 'become-master' }>;

/**
 * A new master comes back with the lock still held: the caller releases it once redis answers
 * and `masters/<name>` names it, so no contender reads ZooKeeper in between. A replica's lock is
 * already released: starting a replica writes nothing the next contender's decision reads, and
 * holding the lock through every replica's start would queue a 50-node bootstrap one by one.
 */
export type Elected = { outcome: Extract<Outcome, { kind: 'become-master' }>; lock: ZkLock } | { outcome: Extract<Outcome, { kind: 'replicate' }>; lock: null };

export class ElectionGaveUp extends Error {}

export interface ElectionInputs {
  dir: Directory;
  name: string;
  self: Address;
  selfDataBytes: number;
  selfDataId: string;
  timeoutMs: number;
  dataWaitMs: number;
  /** This node is never-promote (NEVER_PROMOTE=yes). */
  neverPromote: boolean;
  /** This node came back with its data directory wiped (the empty guard). */
  wiped: boolean;
  log: Logger;
}

const RETRY_MS = 1000;

/**
 * Runs the election until it reaches an outcome (see `Elected` for who holds the lock then).
 * Between rounds that decide to wait, the lock is released so a contender with data can go first.
 */
export async function elect(inputs: ElectionInputs): Promise<Elected> {
  const startedAt = Date.now();
  const decided = (decision: Outcome, locked: boolean) =>
    inputs.log.info(
      {
        decision: decision.kind,
        master: decision.kind === 'replicate' ? formatAddress(decision.master) : formatAddress(inputs.self),
        reason: decision.reason,
        locked,
      },
      'election decided',
    );
  // Most starts join a set with a live master. Replicating it needs no lock (see `Elected`), so
  // a crowd of replicas starting at once decides in parallel instead of queueing on the lock.
  const unlocked = await takeSnapshot({ ...inputs, lock: null, startedAt }, false).then(decide, () => null);
  if (unlocked?.kind === 'replicate') {
    decided(unlocked, false);
    return { outcome: unlocked, lock: null };
  }

  const info: ContenderInfo = {
    address: formatAddress(inputs.self),
    dataBytes: inputs.selfDataBytes,
    dataId: inputs.selfDataId,
    ...(inputs.neverPromote ? { neverPromote: true } : {}),
  };
  let lastReason = '';
  // A quick snapshot that just asked for more is not worth repeating under a lock that was free.
  let askedForMore = unlocked?.kind === 'read-more';
  for (;;) {
    const lock = inputs.dir.electionLock(inputs.name, inputs.log, JSON.stringify(info));
    let decision: Decision;
    try {
      const left = inputs.timeoutMs > 0 ? Math.max(1, inputs.timeoutMs - (Date.now() - startedAt)) : 0;
      const waited = await lock.acquire(left);
      const quick = askedForMore && !waited ? undefined : decide(await takeSnapshot({ ...inputs, lock, startedAt }, false));
      askedForMore = false;
      decision = quick && quick.kind !== 'read-more' ? quick : decide(await takeSnapshot({ ...inputs, lock, startedAt }, true));
    } catch (err) {
      await lock.release().catch(() => undefined);
      if (inputs.timeoutMs > 0 && Date.now() - startedAt >= inputs.timeoutMs) {
        throw new ElectionGaveUp(`election for ${inputs.name} did not complete within ${inputs.timeoutMs} ms: ${String(err)}`);
      }
      inputs.log.warn({ err: String(err), reason: 'ZooKeeper or probe error' }, 'election round failed; retrying');
      await sleep(RETRY_MS);
      continue;
    }
    if (decision.kind === 'replicate' || decision.kind === 'become-master') {
      decided(decision, true);
      if (decision.kind === 'become-master') return { outcome: decision, lock };
      await lock.release().catch(() => undefined);
      return { outcome: decision, lock: null };
    }
    await lock.release().catch(() => undefined);
    if (decision.kind === 'give-up') throw new ElectionGaveUp(decision.reason);
    if (decision.reason !== lastReason) inputs.log.info({ decision: 'wait', reason: decision.reason }, 'election waiting');
    lastReason = decision.reason;
    await sleep(RETRY_MS);
  }
}
