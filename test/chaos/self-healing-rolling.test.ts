import test from 'ava';
import { live, restart, roleOf, rounds, ROUNDS } from '../helpers/self-healing';

// See test/helpers/self-healing.ts: the set heals when Marathon restarts tasks back to back.

// A. A rolling restart of the three tasks the round starts with, in each order Marathon's kill
// selection can give by role (the two replicas are alike), rotating from round to round.
const ORDERS: ReadonlyArray<ReadonlyArray<'master' | 'replica'>> = [
  ['replica', 'master', 'replica'],
  ['master', 'replica', 'replica'],
  ['replica', 'replica', 'master'],
];
test.serial(`rolling restarts gated on PING, every kill order, ${ROUNDS} rounds: the set heals every time`, async (t) => {
  await rounds(t, 'self-healing/rolling', async (r, n) => {
    const order = ORDERS[(n - 1) % ORDERS.length]!;
    const originals = live(r);
    for (const role of order) {
      const candidates = originals.filter((x) => x.proc.running);
      const roles = await Promise.all(candidates.map(roleOf));
      const victim = candidates.find((_, i) => (roles[i] === 'master') === (role === 'master')) ?? candidates[0]!;
      await restart(r, victim);
    }
  });
});
