// Fails a test file whose worker outlives its tests (exit-guard.ts).
import './exit-guard';
import test from 'ava';
import { report } from '../../nemesis/report';
import { runNemesis } from '../../nemesis/run';
import type { ScheduleOptions } from '../../nemesis/schedule';

/**
 * The loopback nemesis's fixed seeds: each found a violation once, runs with the options it was
 * found with, and must pass now (docs/failure-tests.md tells each story). Two test files run
 * half each, side by side, to keep the list within 5 minutes.
 */
const SHORT: ScheduleOptions = { faults: 4, minGapMs: 2000, maxGapMs: 5000, maxFreezeMs: 8000, maxZkOutageMs: 8000 };
/** `npm run nemesis -- --faults 6 --max-gap 8000`, the long runs' options. */
const LONG_RUN: ScheduleOptions = { faults: 6, maxGapMs: 8000 };

export interface FixedSeed {
  seed: number;
  schedule: ScheduleOptions;
  found: string;
}

export const LOOPBACK_SEEDS: readonly FixedSeed[] = [
  { seed: 3, schedule: SHORT, found: '/sentinels answered 200 []' },
  // A sentinel stopped mid-failover left an orphaned master no one named (fixed in c00f4b8).
  { seed: 151222646, schedule: LONG_RUN, found: 'no convergence: an orphaned master' },
  // A watcher whose first reads timed out right after a ZooKeeper outage never loaded its view (fixed in a231754).
  { seed: 2058354710, schedule: LONG_RUN, found: "no convergence: a watcher's /status without the set" },
  // A sentinel-wrapper starting while ZooKeeper hung exited (fixed in 3296d8b).
  { seed: 65083130, schedule: LONG_RUN, found: 'a sentinel-wrapper exited by itself' },
  // Sentinel promoted the replica behind after the master's crash (fixed in db1aecd).
  { seed: 1472279534, schedule: LONG_RUN, found: 'an acknowledged write lost' },
  // A lock node of a failed attempt, left ahead in the queue, held a new task's election (fixed in 4e83d3e).
  { seed: 1117549303, schedule: LONG_RUN, found: 'no convergence: a redis task stuck in its election' },
  // A frozen master resumed between Sentinel's choice of a replica and its re-pointing of the other, which acknowledged a write there (narrowed: replicas follow the chosen one on +selected-slave).
  { seed: 949985386, schedule: LONG_RUN, found: 'an acknowledged write lost' },
  // Every sentinel replaced after epoch 2: the new sentinels' failover was epoch 1, and ZooKeeper kept the old master (sentinel-wrappers start Sentinel at ZooKeeper's newest epoch).
  { seed: 976999871, schedule: LONG_RUN, found: 'no convergence: ZooKeeper behind fresh sentinels' },
];

/** Registers half of the fixed seeds as tests of the calling file (`half` 0: the first, 1: the rest). */
export function runSeeds(half: 0 | 1): void {
  const mid = Math.ceil(LOOPBACK_SEEDS.length / 2);
  for (const { seed, schedule, found } of half === 0 ? LOOPBACK_SEEDS.slice(0, mid) : LOOPBACK_SEEDS.slice(mid)) {
    test.serial(`nemesis seed ${seed}: no violation (once: ${found})`, async (t) => {
      const r = await runNemesis({ seed, schedule, say: (line) => t.log(line) });
      t.log(report(r));
      t.deepEqual(
        r.violations.map((v) => `[${v.checker}] ${v.message}`),
        [],
      );
    });
  }
}
