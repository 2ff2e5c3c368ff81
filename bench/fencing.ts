import Redis from 'ioredis';
import type { ManagedProcess } from '../packages/local-stack/src/managed-process';
import { ask, sleep, until } from './lib';

/**
 * The fencing rows, one procedure for both rigs (each says how to freeze and resume its parts).
 *
 * Freeze: the master (its whole task) stopped for `freezeMs`, Sentinel fails over meanwhile, then
 * resumed: how long until the old master says it is a replica.
 *
 * Minority: the master left alone with one sentinel (the other sentinels, the replicas and, for
 * ours, ZooKeeper frozen: what a partition of the master's agent looks like from its side, made
 * without namespaces), a client writing straight to it: which writes it acknowledged, for how long.
 */
export interface Freezable {
  stop(): void;
  cont(): void;
}

export const groupOf = (p: ManagedProcess): Freezable => ({ stop: () => p.killGroup('SIGSTOP'), cont: () => p.killGroup('SIGCONT') });

/** Resume → the old master answers ROLE as a replica (ms). */
export async function freezeRound(master: { port: number; freeze: Freezable }, freezeMs: number, failedOver: () => Promise<unknown>): Promise<number> {
  master.freeze.stop();
  try {
    await sleep(freezeMs);
    await failedOver();
  } finally {
    master.freeze.cont();
  }
  const resumed = Date.now();
  await until(
    'the old master to be a replica',
    async () => {
      const role = (await ask(master.port, 'ROLE')) as string[] | undefined;
      return role?.[0] === 'slave';
    },
    60000,
    5,
  );
  return Date.now() - resumed;
}

export interface MinorityFigures {
  /** Writes the cut-off master acknowledged after the cut. */
  acked: number;
  /** From the cut to its last acknowledgement (0: none). */
  ackedForMs: number;
}

/** Cuts the master off (freezes `others`) for `cutMs` with a client writing to it, then resumes everything. */
export async function minorityRound(masterPort: number, others: readonly Freezable[], cutMs: number): Promise<MinorityFigures> {
  const r = new Redis({ host: '127.0.0.1', port: masterPort, maxRetriesPerRequest: 0, commandTimeout: 300, retryStrategy: () => 50 });
  r.on('error', () => undefined);
  const acks: number[] = [];
  let running = true;
  const writer = (async () => {
    for (let i = 0; running; i += 1) {
      try {
        await r.set(`minority:${i}`, '1');
        acks.push(Date.now());
      } catch {
        /* refused, paused or timed out: not acknowledged */
      }
      await sleep(5);
    }
  })();
  await until('writes to the master', () => acks.length > 20, 10000);
  const cutAt = Date.now();
  for (const o of others) o.stop();
  try {
    await sleep(cutMs);
  } finally {
    for (const o of others) o.cont();
  }
  running = false;
  await writer;
  r.disconnect();
  const after = acks.filter((t) => t > cutAt && t <= cutAt + cutMs);
  return { acked: after.length, ackedForMs: after.length > 0 ? after[after.length - 1]! - cutAt : 0 };
}
