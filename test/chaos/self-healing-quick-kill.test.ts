import test from 'ava';
import { live, restart, roleOf, rounds, ROUNDS } from '../helpers/self-healing';

// See test/helpers/self-healing.ts: the set heals when Marathon restarts tasks back to back.

// A replacement killed 0.1 s after it starts, then the master stopped while Sentinel may still
// be taking the old replica's loss in.
test.serial(`a replacement killed 0.1 s after its start, then the master stopped, ${ROUNDS} rounds: the set heals`, async (t) => {
  await rounds(t, 'self-healing/quick-kill', async (r) => {
    const roles = await Promise.all(live(r).map(async (x) => ({ x, role: await roleOf(x) })));
    await restart(r, roles.find((y) => y.role === 'slave')!.x, { killAfterMs: 100 });
    await restart(r, roles.find((y) => y.role === 'master')!.x);
  });
});
