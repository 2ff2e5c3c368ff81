import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { ROOT } from './processes';

/** Where the chaos scenarios leave their figures (the README's summary is taken from it). */
export const FIGURES_FILE = path.join(ROOT, 'test-results', 'chaos-figures.json');

/**
 * Prints a scenario's figures in the test output and records them in FIGURES_FILE. Figures are
 * never asserted as wall-clock limits.
 */
export function recordFigures(t: ExecutionContext, scenario: string, figures: Record<string, number | string | number[]>): void {
  t.log(
    `${scenario}: ${Object.entries(figures)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('/') : v}`)
      .join(' ')}`,
  );
  fs.mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(fs.readFileSync(FIGURES_FILE, 'utf8'));
  } catch {
    /* first */
  }
  all[scenario] = { ...figures, at: new Date().toISOString() };
  fs.writeFileSync(FIGURES_FILE, `${JSON.stringify(all, null, 2)}\n`);
}

/** Median and 95th percentile of a list of numbers. */
export function stats(values: number[]): { median: number; p95: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1] ?? NaN };
}
