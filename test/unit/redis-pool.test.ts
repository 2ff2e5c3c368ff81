import test from 'ava';
import { STALE_ATTEMPT_MS, staleClient } from '../../packages/core/src/redis/pool';

// A pooled client is given up for a fresh connection when its one attempt ended, or has not
// connected soon (a SYN sent across a path that was cut is retried by TCP only seconds later).
const cases: Array<{ status: string; ageMs: number; replaced: boolean }> = [
  { status: 'ready', ageMs: 60_000, replaced: false },
  { status: 'connecting', ageMs: 10, replaced: false },
  { status: 'connect', ageMs: STALE_ATTEMPT_MS - 1, replaced: false },
  { status: 'wait', ageMs: 0, replaced: false },
  { status: 'connecting', ageMs: STALE_ATTEMPT_MS, replaced: true },
  { status: 'connect', ageMs: 5000, replaced: true },
  { status: 'close', ageMs: 0, replaced: true },
  { status: 'end', ageMs: 0, replaced: true },
  { status: 'reconnecting', ageMs: 0, replaced: true },
];
for (const c of cases) {
  test(`staleClient: ${c.status} after ${c.ageMs} ms → ${c.replaced ? 'replaced' : 'kept'}`, (t) => {
    t.is(staleClient(c.status, c.ageMs), c.replaced);
  });
}
