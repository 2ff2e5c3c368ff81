// The one wait every test and the bench use (local-stack's harness): bounded, a check that never settles too.
import test from 'ava';
import { waitFor } from '../../packages/local-stack/src/harness';
test('a check that never settles fails at the deadline', async (t) => {
  const started = Date.now();
  const err = await t.throwsAsync(waitFor('nothing', () => new Promise<boolean>(() => undefined), 300, 50, 200));
  t.regex(err!.message, /timed out after 300 ms waiting for nothing \(last error: Error: a check did not settle in time\)/);
  t.true(Date.now() - started < 3000, 'at the deadline plus the grace, not never');
});
test('a slow check that settles is taken', async (t) => {
  t.is(await waitFor('x', () => new Promise<number>((r) => setTimeout(() => r(7), 100)), 1000, 10), 7);
});
