import test from 'ava';
import { fenceCompletes, type HistoryEvent, historyNodeName, mergeHistory, parseHistoryEvent, redundantFences } from '../../packages/core/src/members/history';
import { lastFailoverOf } from '../../packages/core/src/status/gather';
import { failoverDuration } from '../../packages/watcher/src/follow/failover-clock';
import { parseFailoverStart } from '../../packages/core/src/sentinel/failover-events';
import { addr } from '../helpers/fixtures';

const ev = (o: Partial<HistoryEvent> & Pick<HistoryEvent, 'cause'>): HistoryEvent => ({
  at: 1000,
  from: '10.0.0.1:6379',
  to: '10.0.0.2:6379',
  epoch: 7,
  by: 'x',
  reason: 'r',
  ...o,
});

const names: Array<[string, Partial<HistoryEvent> & Pick<HistoryEvent, 'cause'>, string | null]> = [
  ['a Sentinel failover: keyed by epoch and new master', { cause: 'sentinel-failover' }, 's-0000000007-10.0.0.2_6379'],
  ["a switchover: the same key as the watcher's record of it", { cause: 'switchover' }, 's-0000000007-10.0.0.2_6379'],
  ['a crash failover: the same key', { cause: 'crash-failover' }, 's-0000000007-10.0.0.2_6379'],
  ['unknown from: the same key (a reconcile knows another old master)', { cause: 'sentinel-failover', from: null }, 's-0000000007-10.0.0.2_6379'],
  ['IPv6 addresses are made safe', { cause: 'sentinel-failover', from: '[::1]:6379', to: '[::1]:6380' }, 's-0000000007-___1__6380'],
  ['epoch 0 (an election era): sequential', { cause: 'sentinel-failover', epoch: 0 }, null],
  ['an election: sequential', { cause: 'election', epoch: 0 }, null],
  ['a recovery: sequential', { cause: 'recovery', epoch: 0 }, null],
  ['a fence: sequential', { cause: 'fence', epoch: -1 }, null],
];
for (const [title, e, expected] of names) {
  test(`historyNodeName: ${title}`, (t) => t.is(historyNodeName(ev(e)), expected));
}

test('historyNodeName: different changes never share a node (epoch, or new master after a Sentinel restart)', (t) => {
  const a = historyNodeName(ev({ cause: 'sentinel-failover', epoch: 1 }));
  t.not(a, historyNodeName(ev({ cause: 'sentinel-failover', epoch: 2 })));
  t.not(a, historyNodeName(ev({ cause: 'sentinel-failover', epoch: 1, to: '10.0.0.3:6379' })));
});

test('historyNodeName: one change recorded with different old masters is one node', (t) => {
  t.is(historyNodeName(ev({ cause: 'sentinel-failover', from: '10.0.0.1:6379' })), historyNodeName(ev({ cause: 'crash-failover', from: '10.0.0.9:6379' })));
});

const merges: Array<[string, HistoryEvent, HistoryEvent, Partial<HistoryEvent> | null]> = [
  ['observer after observer: kept', ev({ cause: 'sentinel-failover', at: 5 }), ev({ cause: 'sentinel-failover', at: 4 }), null],
  [
    'the asker after the observer: its cause wins, earliest time',
    ev({ cause: 'sentinel-failover', at: 5, durationMs: 3000 }),
    ev({ cause: 'switchover', at: 9, durationMs: 120 }),
    { cause: 'switchover', at: 5, durationMs: 120 },
  ],
  [
    "the asker without a duration keeps the observer's",
    ev({ cause: 'sentinel-failover', durationMs: 3000 }),
    ev({ cause: 'crash-failover' }),
    { cause: 'crash-failover', durationMs: 3000 },
  ],
  ['the observer after the asker: kept', ev({ cause: 'switchover' }), ev({ cause: 'sentinel-failover' }), null],
  ['asker after asker: kept', ev({ cause: 'crash-failover' }), ev({ cause: 'switchover' }), null],
];
for (const [title, stored, incoming, expected] of merges) {
  test(`mergeHistory: ${title}`, (t) => {
    const m = mergeHistory(stored, incoming);
    if (expected === null) return t.is(m, null);
    t.truthy(m);
    for (const [k, v] of Object.entries(expected)) t.is((m as unknown as Record<string, unknown>)[k], v, k);
  });
}

const durations: Array<[string, Parameters<typeof failoverDuration>[0], number | undefined]> = [
  ['no sign', undefined, undefined],
  ['+try-failover only (a switchover)', { tryAt: 9000 }, 1000],
  ['+sdown: the master went silent down-after earlier', { sdownAt: 8000 }, 4000],
  ['both: the earlier estimate', { sdownAt: 8000, tryAt: 8500 }, 4000],
  ['signs from an earlier, aborted failover', { tryAt: 10_000 - 11 * 60_000 }, undefined],
];
for (const [title, signs, expected] of durations) {
  test(`failoverDuration: ${title}`, (t) => t.is(failoverDuration(signs, 10_000, 2000), expected));
}

test('parseFailoverStart: masters only, with the sentinel that reported it', (t) => {
  const via = addr('10.0.1.1:26379');
  t.deepEqual(parseFailoverStart('+sdown', 'master mymaster 10.0.0.1 6379', 5, via), {
    name: 'mymaster',
    channel: '+sdown',
    master: addr('10.0.0.1:6379'),
    at: 5,
    via,
  });
  t.deepEqual(parseFailoverStart('+try-failover', 'master cache 10.0.0.1 6379', 5, via), {
    name: 'cache',
    channel: '+try-failover',
    master: addr('10.0.0.1:6379'),
    at: 5,
    via,
  });
  t.is(parseFailoverStart('+sdown', 'slave 10.0.0.2:6379 10.0.0.2 6379 @ mymaster 10.0.0.1 6379', 5, via), null);
  t.is(parseFailoverStart('+sdown', 'sentinel 10.0.0.7:26379 10.0.0.7 26379 @ mymaster 10.0.0.1 6379', 5, via), null);
  t.is(parseFailoverStart('+odown', 'master mymaster 10.0.0.1 6379', 5, via), null);
  t.is(parseFailoverStart('+sdown', 'master mymaster junk', 5, via), null);
});

test('lastFailoverOf: the last change that is not an election or a fence', (t) => {
  t.is(lastFailoverOf([]), null);
  t.is(lastFailoverOf([ev({ cause: 'election', from: null })]), null);
  const last = lastFailoverOf([ev({ cause: 'sentinel-failover', at: 1 }), ev({ cause: 'switchover', at: 2, durationMs: 50 }), ev({ cause: 'fence', at: 3 })]);
  t.deepEqual(last, {
    at: new Date(2).toISOString(),
    from: { host: '10.0.0.1', port: 6379 },
    to: { host: '10.0.0.2', port: 6379 },
    cause: 'switchover',
    durationMs: 50,
  });
  t.deepEqual(lastFailoverOf([ev({ cause: 'recovery', from: '[::1]:1', to: '[::1]:2' })])?.to, { host: '::1', port: 2 });
});

const fences: Array<[string, HistoryEvent | undefined, boolean]> = [
  ['nothing before: recorded', undefined, false],
  ['a switchover A->B a second before: part of it', ev({ cause: 'switchover', at: 9000 }), true],
  ['a Sentinel failover A->B a second before: part of it', ev({ cause: 'sentinel-failover', at: 9000 }), true],
  ['the same change 20 s before (a resumed frozen master): recorded', ev({ cause: 'sentinel-failover', at: 10_000 - 20_000 }), false],
  ['another change before: recorded', ev({ cause: 'switchover', at: 9000, to: '10.0.0.3:6379' }), false],
  ['a fence before: recorded', ev({ cause: 'fence', at: 9000 }), false],
];
for (const [title, last, expected] of fences) {
  test(`fenceCompletes: ${title}`, (t) => t.is(fenceCompletes(last, ev({ cause: 'fence', epoch: -1, at: 10_000 })), expected));
}

// Recorded at the same moment, the fence may land after or before the change it completes.
const fence = (o: Partial<HistoryEvent> = {}) => ev({ cause: 'fence', epoch: -1, ...o });
const redundant: Array<[string, HistoryEvent[], number[]]> = [
  [
    'switchover, then its fence 16 ms later: the fence',
    [ev({ cause: 'election', epoch: 0, at: 0 }), ev({ cause: 'switchover', at: 1000 }), fence({ at: 1016 })],
    [2],
  ],
  ['the fence written first, the switchover 30 ms later: the fence', [fence({ at: 1000 }), ev({ cause: 'switchover', at: 1030 })], [0]],
  ["a Sentinel failover's fence: the fence", [ev({ cause: 'sentinel-failover', at: 1000 }), fence({ at: 1500 })], [1]],
  ['a fence 20 s after: its own event', [ev({ cause: 'switchover', at: 1000 }), fence({ at: 21_000 })], []],
  ['a fence to another master: its own event', [ev({ cause: 'switchover', at: 1000 }), fence({ at: 1016, to: '10.0.0.3:6379' })], []],
  ['two fences alone: both kept', [fence({ at: 1000 }), fence({ at: 1005 })], []],
];
for (const [title, events, expected] of redundant) {
  test(`redundantFences: ${title}`, (t) => t.deepEqual(redundantFences(events), expected));
}

const hostileHistory: Array<[string, Record<string, unknown>]> = [
  ['a time no Date holds', { at: 1e20 }],
  ['a negative time', { at: -1 }],
  ['a time that is not a number', { at: 'now' }],
  ['a new master that is not an address', { to: 'evil#x' }],
  ['an old master that is not an address', { from: ['$', '{HOME}:1'].join('') }],
  ['an epoch that is not whole', { epoch: 1.5 }],
  ['a duration that is not a number', { durationMs: 'long' }],
  ['a negative duration', { durationMs: -5 }],
];
const entry = { at: 1000, from: '10.0.0.1:6379', to: '10.0.0.2:6379', cause: 'sentinel-failover', epoch: 3, by: 'x', reason: 'r' };
for (const [title, change] of hostileHistory) {
  test(`parseHistoryEvent refuses ${title}`, (t) => t.is(parseHistoryEvent(JSON.stringify({ ...entry, ...change })), null));
}
test('parseHistoryEvent keeps a well-formed entry, its long texts cut short', (t) => {
  const e = parseHistoryEvent(JSON.stringify({ ...entry, reason: 'r'.repeat(5000) }));
  t.truthy(e);
  t.is(e!.reason.length, 2000);
});
