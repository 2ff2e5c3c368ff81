import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { WRAPPER_MB } from '../../packages/redis-wrapper/src/memory';
import type { Peak, Peaks, Program } from '../../bench/peaks';

/**
 * Each app's memory holds what the bench measured (bench/peaks.json, written by every full-round
 * `npm run bench` section): Mesos kills a task over its `mem`. The margin over the highest peak
 * of any section (the heaviest: 100 sets on one Sentinel trio, 1 + 50 replicas, a loaded master)
 * is MARGIN, for what the bench does not reach (longer uptimes, bigger answers, other machines).
 */
const MARGIN = 1.25;
const ROOT = path.resolve(__dirname, '..', '..');
const file = JSON.parse(fs.readFileSync(path.join(ROOT, 'bench', 'peaks.json'), 'utf8')) as {
  sections: Record<string, { peaks: Peaks }>;
};

const highest = (program: Program): Peak => {
  const all = Object.values(file.sections).flatMap((s) => (s.peaks[program] ? [s.peaks[program]] : []));
  return { programMb: Math.max(0, ...all.map((p) => p.programMb)), taskMb: Math.max(0, ...all.map((p) => p.taskMb)) };
};

interface App {
  id: string;
  cmd?: string;
  mem: number;
}
const apps: Array<{ file: string; app: App }> = fs
  .readdirSync(path.join(ROOT, 'marathon'))
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => {
    const json = JSON.parse(fs.readFileSync(path.join(ROOT, 'marathon', f), 'utf8')) as App & { apps?: App[] };
    return (json.apps ?? [json]).map((app) => ({ file: f, app }));
  });
const programOf = (app: App): Program | undefined =>
  (['redis-wrapper', 'sentinel-wrapper', 'watcher'] as const).find((p) => app.cmd?.includes(`packages/${p}/`));

test('the bench recorded a peak for every program', (t) => {
  for (const p of ['redis-wrapper', 'sentinel-wrapper', 'watcher'] as const) t.true(highest(p).programMb > 0, p);
});

for (const program of ['sentinel-wrapper', 'watcher'] as const) {
  test(`every ${program} app's mem holds the task's highest measured RSS (the program and its child) plus ${Math.round((MARGIN - 1) * 100)}%`, (t) => {
    const peak = highest(program).taskMb;
    const found = apps.filter(({ app }) => programOf(app) === program);
    t.true(found.length > 0);
    for (const { file: f, app } of found) t.true(app.mem >= peak * MARGIN, `${f} ${app.id}: mem ${app.mem} MB, measured peak ${peak} MB`);
  });
}

test(`the redis app's share for redis-wrapper (WRAPPER_MB, out of which maxmemory is derived) holds its highest measured RSS plus ${Math.round((MARGIN - 1) * 100)}%`, (t) => {
  const peak = highest('redis-wrapper').programMb;
  t.true(WRAPPER_MB >= peak * MARGIN, `WRAPPER_MB ${WRAPPER_MB}, measured peak ${peak} MB`);
  for (const { file: f, app } of apps.filter(({ app }) => programOf(app) === 'redis-wrapper')) t.true(app.mem > WRAPPER_MB, `${f} ${app.id}`);
});
