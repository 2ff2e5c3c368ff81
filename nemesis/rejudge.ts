import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../test/helpers/processes';
import { checkAll, DEFAULT_BOUNDS, type Violation } from './checkers';
import type { History } from './history';

/**
 * `npm run nemesis:rejudge [-- file.json …]`: judges recorded histories again with the checkers
 * as they are now (default: every test-results/nemesis/nemesis-<seed>.json that had a
 * violation), so a fixed checker's false alarm is told apart from a finding without running the
 * schedule again. Prints each file's violations then and now; exits 1 if any remain.
 */
const dir = path.join(ROOT, 'test-results', 'nemesis');
const files =
  process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : fs
        .readdirSync(dir)
        .filter((f) => /^nemesis-\d+\.json$/.test(f))
        .map((f) => path.join(dir, f));
let remaining = 0;
for (const file of files) {
  const run = JSON.parse(fs.readFileSync(file, 'utf8')) as { seed: number; violations: Violation[]; history: History };
  if (process.argv.length <= 2 && run.violations.length === 0) continue;
  const now = checkAll(run.history, DEFAULT_BOUNDS);
  remaining += now.length;
  const show = (vs: Violation[]) => vs.map((v) => `[${v.checker}] ${v.message}`).join(' | ') || 'none';
  process.stdout.write(`seed ${run.seed}: then ${show(run.violations)}\n  now ${show(now)}\n`);
}
process.exit(remaining > 0 ? 1 : 0);
