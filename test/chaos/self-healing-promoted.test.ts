import test from 'ava';
import { live, restart, roleOf, rounds, ROUNDS } from '../helpers/self-healing';
import { waitFor } from '../helpers/wait';

// See test/helpers/self-healing.ts: the set heals when Marathon restarts tasks back to back.

// B. The master stopped; once its replacement answers PING, the promoted master stopped too.
test.serial(`master stopped, then the promoted master once the replacement answers PING, ${ROUNDS} rounds: no orphaned replica`, async (t) => {
  await rounds(t, 'self-healing/promoted-stopped', async (r) => {
    const master = await waitFor(
      'the master',
      async () => {
        for (const x of live(r)) if ((await roleOf(x)) === 'master') return x;
        return undefined;
      },
      30000,
      50,
    );
    await restart(r, master);
    const promoted = await waitFor(
      'a promoted master',
      async () => {
        for (const x of live(r)) if (x !== master && (await roleOf(x)) === 'master') return x;
        return undefined;
      },
      30000,
      50,
    );
    await restart(r, promoted);
  });
});
