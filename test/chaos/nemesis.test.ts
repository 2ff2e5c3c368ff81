import test from 'ava';
import { report } from '../../nemesis/report';
import { runNemesis } from '../../nemesis/run';
import type { ScheduleOptions } from '../../nemesis/schedule';

/**
 * The nemesis (nemesis/, `npm run nemesis`) on a fixed list of seeds: short random schedules of
 * faults against the local stack (3 redis, 3 sentinels, 2 watchers), every checker must pass.
 * A seed that once found a violation joins the list when its fix lands (docs/failure-tests.md).
 */
const SEEDS = [1, 2, 3];
const SHORT: ScheduleOptions = { faults: 4, minGapMs: 2000, maxGapMs: 5000, maxFreezeMs: 8000, maxZkOutageMs: 8000 };

for (const seed of SEEDS) {
  test.serial(`nemesis seed ${seed}: no violation`, async (t) => {
    const r = await runNemesis({ seed, schedule: SHORT, say: (line) => t.log(line) });
    t.log(report(r));
    t.deepEqual(
      r.violations.map((v) => `[${v.checker}] ${v.message}`),
      [],
    );
  });
}
