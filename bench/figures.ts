/** The bench's arithmetic: what turns rounds of measurements into the table's figures. */

export function stats(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
  return { n: s.length, median: at(0.5), p95: at(0.95) };
}

/**
 * `ours[i]` and `base[i]` come from the same round, measured back to back: the median of the
 * per-round ratios, so drift on the machine between rounds cancels out.
 */
export function medianOfRoundRatios(ours: number[], base: number[]): number | undefined {
  if (ours.length !== base.length) throw new Error(`bench: ${ours.length} rounds of ours against ${base.length} of the baseline`);
  const ratios = ours.map((x, i) => x / base[i]!).filter(Number.isFinite);
  return ratios.length > 0 ? stats(ratios).median : undefined;
}

/** For figures not taken in rounds (one baseline process beside several of ours). */
export const ratioOfMedians = (ours: number[], base: number[]): number => stats(ours).median / stats(base).median;

/** Throughput over runs of equal size, given each run's rate: total requests / total time. */
export const overallRate = (rates: number[]): number => rates.length / rates.reduce((sum, r) => sum + 1 / r, 0);

/** Ours over the baseline, each side's throughput taken over all its runs. */
export const throughputRatio = (ours: number[], base: number[]): number => overallRate(ours) / overallRate(base);

/** ABBA order (ours first, base first, base first, ours first, ...): a trend hits both alike. */
export const baseGoesFirst = (pair: number): boolean => pair % 4 === 1 || pair % 4 === 2;
