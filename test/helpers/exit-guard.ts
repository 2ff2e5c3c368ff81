import test from 'ava';

/**
 * How long a test file's worker may live on once its `after.always` hooks begin. This hook is
 * declared first (at import), so the others (stopping deployments and models, each bounded)
 * still run within it.
 */
const GRACE_MS = 120_000;

/**
 * A test file's worker stays alive while anything holds its event loop: a client reconnecting for
 * ever to a stopped deployment kept nemesis-model's worker alive after its tests had passed, and
 * the whole run waited for ava's 10-minute timeout (CI, stop 32: 1770 s instead of ~1100).
 * Imported by env.ts, model.ts and the nemesis seeds, and by each other integration test file
 * itself; never by what the bench and `npm run nemesis` import (ava refuses a hook outside its
 * CLI). GRACE_MS after the hooks began, a worker still alive names what holds it and exits
 * non-zero, failing the file at once.
 */
test.after.always('the worker exits once its tests are done', () => {
  setTimeout(() => {
    process.stderr.write(`test worker still alive ${GRACE_MS} ms after its tests ended, held by: ${process.getActiveResourcesInfo().join(', ')}\n`);
    process.exit(1);
  }, GRACE_MS).unref();
});
