import { ConfigError } from '../config/errors';
import { TimeoutError } from '../time';

/**
 * Entry point of every program: configuration mistakes print one line per variable and exit 1;
 * anything else that escapes is fatal too (Marathon restarts the task).
 */
export function runMain(main: () => Promise<number | undefined>): void {
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
        process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      }
      process.exit(1);
    },
  );
}
