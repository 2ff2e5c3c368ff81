import { ConfigError } from '../config/errors';
import { errorStack } from '../safe-error';
import { TimeoutError } from '../time';

/** What Node would print for an uncaught error (util.inspect: every own property, a command's arguments too), safely. */
function fatal(err: unknown): never {
  process.stderr.write(`fatal: ${errorStack(err)}\n`);
  process.exit(1);
}

/**
 * Entry point of every program: configuration mistakes print one line per variable and exit 1;
 * anything else that escapes is fatal too (Marathon restarts the task), also an error nothing
 * caught (Node's own report would print its every property: ioredis's command and arguments).
 */
export function runMain(main: () => Promise<number | undefined>): void {
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  main().then(
    (code) => {
      if (typeof code === 'number') process.exit(code);
    },
    (err: unknown) => {
      if (err instanceof ConfigError) {
        for (const p of err.problems) process.stderr.write(`error: ${p}\n`);
      } else if (err instanceof TimeoutError) {
        process.stderr.write(`fatal: ${err.message}\n`);
      } else {
        fatal(err);
      }
      process.exit(1);
    },
  );
}
