import test from 'ava';
import { PAUSED_QUORUM, formatPauseRecord, parsePauseRecord } from '../../packages/core/src/pause/record';
import { pausedStatus } from '../../packages/core/src/status/types';
import { quorumReport } from '../../packages/cli/src/decide-pause';
import { duration } from '../../packages/cli/src/format';
import { planQuorum, type QuorumAction } from '../../packages/sentinel-wrapper/src/plan-quorum';
import type { SentinelView } from '../../packages/core/src/sentinel/query';
import { addr, notMonitoring, sentinelView, unreachableSentinel } from '../helpers/fixtures';

// Maintenance mode (redis-zk pause): the record in ZooKeeper, the sentinels' quorum, what status shows.

const record = { by: 'redis-zk on ops1 (alice)', at: 1_765_000_000_000, reason: 'agent maintenance' };

test('pause record: round trip', (t) => {
  t.deepEqual(parsePauseRecord(formatPauseRecord(record)), record);
});

const junk: Array<[string, string]> = [
  ['not JSON', 'paused'],
  ['an array', '[1]'],
  ['null', 'null'],
  ['no by', JSON.stringify({ at: 1, reason: '' })],
  ['at not a number', JSON.stringify({ by: 'x', at: '2026-12-07', reason: '' })],
  ['at negative', JSON.stringify({ by: 'x', at: -1, reason: '' })],
  ['reason not a string', JSON.stringify({ by: 'x', at: 1, reason: 5 })],
];
for (const [title, text] of junk) test(`pause record: ${title} -> not a record`, (t) => t.is(parsePauseRecord(text), null));

test('pause record: long texts are cut', (t) => {
  const r = parsePauseRecord(JSON.stringify({ by: 'b'.repeat(2000), at: 1, reason: 'r'.repeat(2000) }));
  t.is(r?.by.length, 500);
  t.is(r?.reason.length, 500);
});

const Q = 2;
const quorumCases: Array<[string, boolean | null, number | null, QuorumAction['kind'], number?]> = [
  ['pause unknown (ZooKeeper away), quorum raised', null, PAUSED_QUORUM, 'keep'],
  ['pause unknown, quorum normal', null, Q, 'keep'],
  ['set not monitored, paused', true, null, 'keep'],
  ['paused, quorum already raised', true, PAUSED_QUORUM, 'keep'],
  ['paused, quorum normal -> raise', true, Q, 'set', PAUSED_QUORUM],
  ['paused, an operator quorum of 3 -> raise', true, 3, 'set', PAUSED_QUORUM],
  ['paused, quorum above the paused value -> set the paused value', true, PAUSED_QUORUM + 1, 'set', PAUSED_QUORUM],
  ['resumed, quorum still raised -> SENTINEL_QUORUM', false, PAUSED_QUORUM, 'set', Q],
  ['not paused, quorum normal', false, Q, 'keep'],
  ["not paused, an operator's own quorum of 3 -> left alone", false, 3, 'keep'],
];
for (const [title, paused, current, kind, quorum] of quorumCases) {
  test(`sentinel quorum: ${title} -> ${kind}`, (t) => {
    const a = planQuorum(paused, current, Q);
    t.is(a.kind, kind, a.reason);
    if (a.kind === 'set') t.is(a.quorum, quorum ?? -1);
  });
}

const S = [1, 2, 3].map((i) => addr(`10.0.1.${i}:26379`));
const M = addr('10.0.0.1:6379');
const withQuorum = (s: (typeof S)[number], quorum: number): SentinelView => ({ ...sentinelView(s, M), quorum }) as SentinelView;
const reportCases: Array<[string, SentinelView[], boolean, boolean, RegExp]> = [
  ['paused, all three raised', S.map((s) => withQuorum(s, PAUSED_QUORUM)), true, true, /^3\/3 sentinels monitoring the set hold quorum 1000/],
  [
    'paused, one still at 2',
    [withQuorum(S[0]!, PAUSED_QUORUM), withQuorum(S[1]!, PAUSED_QUORUM), withQuorum(S[2]!, 2)],
    true,
    false,
    /not yet: 10\.0\.1\.3:26379/,
  ],
  [
    'paused, one out of reach (does not hold the command up)',
    [withQuorum(S[0]!, PAUSED_QUORUM), withQuorum(S[1]!, PAUSED_QUORUM), unreachableSentinel(S[2]!)],
    true,
    true,
    /2\/2 .*out of reach: 10\.0\.1\.3:26379/,
  ],
  ['paused, one does not monitor the set (no say)', [withQuorum(S[0]!, PAUSED_QUORUM), notMonitoring(S[1]!)], true, true, /^1\/1 /],
  ['resumed, all back to 2', S.map((s) => withQuorum(s, 2)), false, true, /3\/3 .*own quorum/],
  ['resumed, one still raised', [withQuorum(S[0]!, 2), withQuorum(S[1]!, PAUSED_QUORUM)], false, false, /not yet: 10\.0\.1\.2:26379/],
];
for (const [title, views, paused, done, summary] of reportCases) {
  test(`pause/resume report: ${title}`, (t) => {
    const r = quorumReport(views, paused);
    t.is(r.done, done, r.summary);
    t.regex(r.summary, summary);
  });
}

test('status: a pause as /status shows it', (t) => {
  t.deepEqual(pausedStatus(record, record.at + 90_500), { by: record.by, since: '2025-12-06T05:46:40.000Z', reason: record.reason, forSeconds: 91 });
  t.is(pausedStatus(record, record.at - 5000).forSeconds, 0, 'a clock behind the pauser never gives a negative time');
});

test('status text: durations', (t) => {
  t.deepEqual([0, 59, 60, 3599, 3600, 3660 + 59, 86_400 + 4 * 3600].map(duration), ['0 s', '59 s', '1 min', '59 min', '1 h 0 min', '1 h 1 min', '1 d 4 h']);
});
