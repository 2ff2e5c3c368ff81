import test from 'ava';
import { baseGoesFirst, medianOfRoundRatios, overallRate, ratioOfMedians, stats } from '../../bench/figures';
import { dataPathPairs } from '../../bench/datapath';

test('stats: median and p95 are values measured, the lower middle for an even count', (t) => {
  t.deepEqual(stats([5, 1, 3]), { n: 3, median: 3, p95: 5 });
  t.deepEqual(stats([4, 1, 3, 2]), { n: 4, median: 2, p95: 4 });
  t.deepEqual(stats(Array.from({ length: 20 }, (_, i) => i + 1)), { n: 20, median: 10, p95: 19 });
  t.true(Number.isNaN(stats([]).median));
});

test('the median of per-round ratios cancels drift between rounds', (t) => {
  // The machine halves its speed from one round to the next; ours is 10% slower throughout.
  const base = [100, 50, 100, 50, 100];
  t.is(
    medianOfRoundRatios(
      base.map((x) => x * 0.9),
      base,
    ),
    0.9,
  );
  t.is(medianOfRoundRatios([1, 2], [0, 0]), undefined);
  t.throws(() => medianOfRoundRatios([1, 2], [1]), { message: /2 rounds of ours against 1/ });
});

test('overall rate: total requests over total time, not the mean of the rates', (t) => {
  // Two runs of the same size at 100 and 50 req/s take 1 and 2 time units: 2 runs / 3 units.
  t.is(overallRate([100, 50]), 2 / (1 / 100 + 1 / 50));
  t.true(Math.abs(overallRate([80, 80, 80]) - 80) < 1e-9);
});

test('data path pairs: ABBA order, each pair back to back', (t) => {
  t.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(baseGoesFirst), [false, true, true, false, false, true, true, false]);
  const calls: number[] = [];
  const d = dataPathPairs(1, 2, 4, 10, (port) => {
    calls.push(port);
    return { set: port * 100 + calls.length, get: port };
  });
  t.deepEqual(calls, [1, 2, 2, 1, 2, 1, 1, 2]);
  t.deepEqual(d.ours.set, [101, 104, 106, 107]);
  t.deepEqual(d.base.set, [202, 203, 205, 208]);
  t.deepEqual(d.ours.get, [1, 1, 1, 1]);
});

test('ratio of medians: for one baseline process beside several of ours', (t) => {
  t.is(ratioOfMedians([60, 50, 55], [40]), 55 / 40);
});
