import test from 'ava';
import { rpoCheck } from '../../packages/redis-wrapper/src/node/rpo-guard';
import { decideCrashFailover } from '../../packages/redis-wrapper/src/node/crash-failover';
import { offsetGap, promotedOffsetOf } from '../../packages/core/src/members/offset-gap';
import { type HistoryEvent, mergeHistory, parseHistoryEvent } from '../../packages/core/src/members/history';
import type { SentinelReplica } from '../../packages/core/src/sentinel/query';
import { addr, replicationOf, sentinelReplica, sentinelView } from '../helpers/fixtures';

// RPO guard and per-failover record (#29 point 4).

const SELF = addr('10.0.0.1:6379'); // the dead master
const R1 = addr('10.0.0.2:6379');
const R2 = addr('10.0.0.3:6379');
const S = [1, 2, 3].map((i) => addr(`10.0.1.${i}:26379`));
const views = (replicas: SentinelReplica[]) => S.map((s) => sentinelView(s, SELF, { replicas }));
/** The master's last INFO: offset 5000, its replicas' acknowledged offsets. */
const last = (acks: Array<[typeof R1, number]>) =>
  replicationOf({ role: 'master', offset: 5000, replicas: acks.map(([address, offset]) => ({ address, offset, online: true })) });

const cases: Array<{ title: string; maxLagBytes: number; last: ReturnType<typeof last> | null; replicas: SentinelReplica[]; ok: boolean; reason?: RegExp }> = [
  { title: 'no guard (0): far behind -> ok', maxLagBytes: 0, last: last([[R1, 10]]), replicas: [sentinelReplica(R1, SELF)], ok: true },
  {
    title: "the master's last offset unknown -> not ok",
    maxLagBytes: 1000,
    last: null,
    replicas: [sentinelReplica(R1, SELF)],
    ok: false,
    reason: /not known/,
  },
  {
    title: 'no replica Sentinel may promote -> ok (Sentinel refuses by itself)',
    maxLagBytes: 1000,
    last: last([]),
    replicas: [sentinelReplica(R1, SELF, { priority: 0 })],
    ok: true,
  },
  { title: '500 bytes behind, limit 1000 -> ok', maxLagBytes: 1000, last: last([[R1, 4500]]), replicas: [sentinelReplica(R1, SELF)], ok: true },
  {
    title: '2000 bytes behind, limit 1000 -> not ok',
    maxLagBytes: 1000,
    last: last([[R1, 3000]]),
    replicas: [sentinelReplica(R1, SELF)],
    ok: false,
    reason: /RPO guard: Sentinel's likely pick 10\.0\.0\.2:6379 is 2000 bytes behind/,
  },
  {
    title: 'Sentinel picks by priority first: the lagging one at priority 1 -> not ok',
    maxLagBytes: 1000,
    last: last([
      [R1, 3000],
      [R2, 5000],
    ]),
    replicas: [sentinelReplica(R1, SELF, { priority: 1 }), sentinelReplica(R2, SELF)],
    ok: false,
  },
  {
    title: 'same priority: Sentinel picks the furthest along -> ok',
    maxLagBytes: 1000,
    last: last([
      [R1, 3000],
      [R2, 5000],
    ]),
    replicas: [sentinelReplica(R1, SELF), sentinelReplica(R2, SELF)],
    ok: true,
  },
  {
    title: "a replica not in the master's list: Sentinel's offset is used",
    maxLagBytes: 1000,
    last: last([]),
    replicas: [sentinelReplica(R1, SELF, { offset: 100 })],
    ok: false,
  },
  {
    title: 'a never-promote replica far behind is not a candidate -> ok',
    maxLagBytes: 1000,
    last: last([
      [R1, 10],
      [R2, 4900],
    ]),
    replicas: [sentinelReplica(R1, SELF, { priority: 0 }), sentinelReplica(R2, SELF)],
    ok: true,
  },
];
for (const c of cases) {
  test(`rpoCheck: ${c.title}`, (t) => {
    const r = rpoCheck({ maxLagBytes: c.maxLagBytes, last: c.last, views: views(c.replicas) });
    t.is(r.ok, c.ok, r.reason);
    if (c.reason) t.regex(r.reason, c.reason);
  });
}

test('crash failover: the RPO guard leaves the failover to Sentinel, saying why', (t) => {
  const v = views([sentinelReplica(R1, SELF)]);
  const d = decideCrashFailover(v, SELF, null, { maxLagBytes: 1000, last: last([[R1, 3000]]), views: v });
  t.is(d.kind, 'leave');
  if (d.kind === 'leave') t.regex(d.reason, /RPO guard.*left to Sentinel \(it has no byte limit\)/);
  t.is(decideCrashFailover(v, SELF, null, { maxLagBytes: 1000, last: last([[R1, 4999]]), views: v }).kind, 'ask');
});

const gapCases: Array<[number | undefined, number | undefined, number | undefined]> = [
  [1000, 900, 100],
  [900, 1000, 0],
  [undefined, 900, undefined],
  [1000, undefined, undefined],
];
for (const [lastOffset, promoted, gap] of gapCases) {
  test(`offsetGap(${lastOffset}, ${promoted}) -> ${gap}`, (t) => t.is(offsetGap(lastOffset, promoted).offsetGapBytes, gap));
}

test('promotedOffsetOf: second_repl_offset less one, only for a master that shows one', (t) => {
  t.is(promotedOffsetOf(replicationOf({ role: 'master', secondOffset: 4881 })), 4880);
  t.is(promotedOffsetOf(replicationOf({ role: 'master', secondOffset: -1 })), undefined);
  t.is(promotedOffsetOf(replicationOf({ role: 'replica', secondOffset: 4881 })), undefined);
});

const base: HistoryEvent = { at: 1000, from: '10.0.0.1:6379', to: '10.0.0.2:6379', cause: 'sentinel-failover', epoch: 3, by: 'watcher', reason: 'x' };

test("history: a watcher's offsets and outage are kept when the asker's entry has none", (t) => {
  const stored: HistoryEvent = { ...base, durationMs: 2500, outageBasis: 'down-to-promotion', lastOffset: 5000, promotedOffset: 4900, offsetGapBytes: 100 };
  const merged = mergeHistory(stored, { ...base, cause: 'crash-failover', by: 'redis-wrapper', at: 1200 });
  t.like(merged, { cause: 'crash-failover', durationMs: 2500, outageBasis: 'down-to-promotion', offsetGapBytes: 100, lastOffset: 5000, at: 1000 });
  const own = mergeHistory(stored, {
    ...base,
    cause: 'crash-failover',
    durationMs: 800,
    outageBasis: 'death-to-promotion',
    offsetGapBytes: 0,
    lastOffset: 4900,
    promotedOffset: 4900,
  });
  t.like(own, { durationMs: 800, outageBasis: 'death-to-promotion', offsetGapBytes: 0 });
});

test('history: the new fields read back; junk in them is refused or dropped', (t) => {
  const e: HistoryEvent = { ...base, durationMs: 10, outageBasis: 'write-pause', lastOffset: 7, promotedOffset: 7, offsetGapBytes: 0 };
  t.deepEqual(parseHistoryEvent(JSON.stringify(e)), e);
  t.is(parseHistoryEvent(JSON.stringify({ ...e, offsetGapBytes: -5 })), null);
  t.is(parseHistoryEvent(JSON.stringify({ ...e, lastOffset: 'lots' })), null);
  t.is(parseHistoryEvent(JSON.stringify({ ...e, outageBasis: 'guess' }))?.outageBasis, undefined);
});
