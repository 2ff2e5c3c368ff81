/**
 * What the tests, the chaos tests, the bench and the demo share when they drive a deployment:
 * one place for the fast Sentinel timings, waiting, and reading `host:port` back.
 */

/**
 * Sentinel settings that make a failover take a couple of seconds. 2000 is the lowest
 * down-after that Sentinel 7.0 handles without failing a fresh master over again (README).
 */
export const FAST_SENTINEL = { SENTINEL_DOWN_AFTER_MS: '2000', SENTINEL_FAILOVER_TIMEOUT_MS: '6000' } as const;
export const FAST_DOWN_AFTER_MS = Number(FAST_SENTINEL.SENTINEL_DOWN_AFTER_MS);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The port of `host:port` (NaN for anything else). */
export const portOf = (address: string | undefined): number => Number(address?.split(':').at(-1));

/**
 * A check may run this long past its wait's deadline (a check that itself waits, started near the
 * deadline, keeps its chance as before); past that it counts as never settling.
 */
const CHECK_GRACE_MS = 30_000;

/**
 * Polls `check` every `everyMs` until it returns a truthy value; fails after `timeoutMs` naming
 * `what` and the last error `check` threw. Every wait of a test or a benchmark is bounded this way,
 * a check that never settles too (left running; the wait fails `checkGraceMs` past its deadline).
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 15000,
  everyMs = 100,
  checkGraceMs = CHECK_GRACE_MS,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await settledBy(check(), deadline, checkGraceMs);
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await sleep(everyMs);
  }
}

/** `value`, or a rejection once `deadline` plus `graceMs` has passed without it settling. */
async function settledBy<T>(value: Promise<T> | T, deadline: number, graceMs: number): Promise<T> {
  if (!(value instanceof Promise)) return value;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('a check did not settle in time')), deadline + graceMs - Date.now());
  });
  try {
    return await Promise.race([value, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the different-histories scenario needs of a client (ioredis' Redis). */
export interface BatchClient {
  set(key: string, value: string): Promise<unknown>;
  mget(...keys: string[]): Promise<Array<string | null>>;
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** Keys per batch of the different-histories scenario (freshest-data test, cold-restart bench). */
export const HISTORY_BATCH = 300;

/** Writes batch `batch` (`b<batch>:<i>`), then waits (5 s at most) until `acks` replicas have it. */
export async function writeHistoryBatch(r: BatchClient, batch: number, acks: number): Promise<void> {
  for (let i = 0; i < HISTORY_BATCH; i += 1) await r.set(`b${batch}:${i}`, `v${i}`);
  if (acks > 0) await r.call('WAIT', String(acks), '5000');
}

/** How many keys of batches 1..`batches` `r` lacks. */
export async function missingHistoryKeys(r: BatchClient, batches: number): Promise<number> {
  let missing = 0;
  for (let b = 1; b <= batches; b += 1) {
    const values = await r.mget(...Array.from({ length: HISTORY_BATCH }, (_, i) => `b${b}:${i}`));
    missing += values.filter((v) => v === null).length;
  }
  return missing;
}
