import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../test/helpers/processes';
import { report } from './report';
import { runNemesis } from './run';
import { DEFAULT_WEIGHTS, freshSeed, type Mode, type ScheduleOptions } from './schedule';

/**
 * `npm run nemesis [-- --seed S[,S…]] [--runs N] [--faults N] [--min-gap MS] [--max-gap MS] [--weights kind=w,…] [--model [--agents N]] [--keep]`:
 * runs the schedules of the given seeds (replay), or N fresh seeds (default 1), one after the
 * other, on the loopback stack or (--model) the Marathon model; prints each run's report; exits
 * 1 when any run found a violation.
 */
function parseArgs(argv: string[]) {
  const o: { seeds: number[]; runs: number; schedule: ScheduleOptions; keep: boolean; mode: Mode; agents?: number } = {
    seeds: [],
    runs: 1,
    schedule: {},
    keep: false,
    mode: 'loopback',
  };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || !/^\d+(,\d+)*$/.test(v)) throw new Error(`${a} needs a number`);
      return v;
    };
    if (a === '--seed') o.seeds.push(...value().split(',').map(Number));
    else if (a === '--runs') o.runs = Number(value());
    else if (a === '--faults') o.schedule.faults = Number(value());
    else if (a === '--min-gap') o.schedule.minGapMs = Number(value());
    else if (a === '--max-gap') o.schedule.maxGapMs = Number(value());
    else if (a === '--weights') {
      // kind=weight,… over the defaults (nemesis/schedule.ts), e.g. kill-task=6,zk-outage=0
      const spec = argv[++i] ?? '';
      for (const part of spec.split(',')) {
        const [kind, w] = part.split('=');
        if (!kind || !(kind in DEFAULT_WEIGHTS) || !/^\d+(\.\d+)?$/.test(w ?? ''))
          throw new Error(`--weights: ${part} is not kind=weight (kinds: ${Object.keys(DEFAULT_WEIGHTS).join(', ')})`);
        o.schedule.weights = { ...o.schedule.weights, [kind]: Number(w) };
      }
    } else if (a === '--keep') o.keep = true;
    else if (a === '--model') o.mode = 'model';
    else if (a === '--agents') o.agents = Number(value());
    else
      throw new Error(
        `unknown argument ${a} (known: --seed S[,S…], --runs N, --faults N, --min-gap MS, --max-gap MS, --weights kind=w,…, --model, --agents N, --keep)`,
      );
  }
  return o;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const seeds = args.seeds.length > 0 ? args.seeds : Array.from({ length: args.runs }, freshSeed);
  const say = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
  const summary: string[] = [];
  let failed = 0;
  for (const seed of seeds) {
    try {
      const r = await runNemesis({
        seed,
        mode: args.mode,
        ...(args.agents ? { agents: args.agents } : {}),
        schedule: args.schedule,
        keepFiles: args.keep,
        say,
      });
      process.stdout.write(`\n${report(r)}\n\n`);
      if (r.violations.length > 0) failed += 1;
      // One line per run, for the figures in docs/failure-tests.md.
      fs.appendFileSync(
        path.join(ROOT, 'test-results', 'nemesis', 'runs.jsonl'),
        `${JSON.stringify({ seed, mode: args.mode, at: new Date().toISOString(), options: args.schedule, figures: r.figures, violations: r.violations.map(({ checker, message }) => ({ checker, message })) })}\n`,
      );
      const line =
        `seed ${seed}: ${r.violations.length} violations${r.violations.length ? ` (${[...new Set(r.violations.map((v) => v.checker))].join(', ')})` : ''}; ` +
        `availability ${(r.figures.writeAvailability * 100).toFixed(1)}%, converged ${r.figures.convergenceMs ?? 'never'} ms, ${r.figures.acked} acked`;
      say(line);
      summary.push(line);
    } catch (err) {
      failed += 1;
      summary.push(`seed ${seed}: the run failed: ${String(err)}`);
      say(`seed ${seed}: the run failed: ${err instanceof Error ? err.stack : String(err)}`);
    }
  }
  process.stdout.write(`${summary.join('\n')}\n${seeds.length - failed} of ${seeds.length} runs without a violation\n`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`nemesis: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
