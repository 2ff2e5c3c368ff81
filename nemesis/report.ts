import { describeSchedule } from './schedule';
import type { RunResult } from './run';

/** The report of one run: the seed, the schedule, the figures, each violation with the events around it. */
export function report(r: RunResult): string {
  const f = r.figures;
  const lines = [
    `seed ${r.seed}`,
    'schedule:',
    describeSchedule(r.schedule),
    `figures: ${f.faults} faults run, ${f.skipped} skipped; WAIT-1 writes ${f.acked} acknowledged, ${f.notAcked} not; through HAProxy ${f.haproxyAcked} acknowledged, ${f.haproxyNotAcked} not; plain writes ${f.plainOk} ok, ${f.plainFailed} failed; ` +
      `write availability ${(f.writeAvailability * 100).toFixed(1)}%, longest gap ${f.longestAckGapMs} ms; ` +
      `converged ${f.convergenceMs === null ? 'never' : `${f.convergenceMs} ms after the last fault`}`,
    `history: ${r.historyFile}`,
  ];
  if (r.violations.length === 0) lines.push('violations: none');
  for (const v of r.violations) {
    lines.push(`VIOLATION [${v.checker}] ${v.message}`);
    lines.push('  events around it:');
    for (const c of v.context) lines.push(`    ${c}`);
  }
  return lines.join('\n');
}
