import test from 'ava';
import { wipedFrom } from '../../packages/core/src/members/wiped';
import type { StoredMemberRecord } from '../../packages/core/src/members/record';
import { decideEmptyGuard } from '../../packages/redis-wrapper/src/node/empty-guard';
import { decide } from '../../packages/redis-wrapper/src/election/decide';
import { addr, replicationOf } from '../helpers/fixtures';

const SELF = addr('10.0.0.1:6379');
const OTHER = addr('10.0.0.2:6379');
const rec = (dataId: string, address: typeof SELF, offset: number, mzxid: number, role: 'master' | 'replica' = 'master'): StoredMemberRecord => ({
  dataId,
  address,
  role,
  replid: 'c'.repeat(40),
  offset,
  following: null,
  linkUp: role === 'replica',
  mzxid: BigInt(mzxid),
  mtimeMs: mzxid,
});

const wipedCases: Array<[string, StoredMemberRecord[], number, boolean]> = [
  ['data on disk: never wiped', [rec('old', SELF, 900, 1)], 100, false],
  ['empty, no record anywhere (a new set, a new node)', [], 0, false],
  ['empty, its own data id shows offset 900 (the files wiped, the id file kept)', [rec('self-id', SELF, 900, 1)], 0, true],
  ['empty, a new id, the newest record at its address shows offset 900 (the directory wiped)', [rec('old', SELF, 900, 1)], 0, true],
  ['empty, a new id, the record at its address shows offset 0 (it never held data)', [rec('old', SELF, 0, 1)], 0, false],
  ['empty, a new id, only other addresses have records (a new node joining)', [rec('b', OTHER, 900, 1)], 0, false],
];
for (const [title, records, bytes, wiped] of wipedCases) {
  test(`wipedFrom: ${title}`, (t) => {
    const w = wipedFrom(records, SELF, 'self-id', bytes);
    t.is(w.wiped, wiped);
    if (w.wiped) t.regex(w.reason, /shows this node held data/);
  });
}

const replica = (o: { linkUp?: boolean; syncInProgress?: boolean; offset?: number } = {}) =>
  replicationOf({ role: 'replica', following: OTHER, linkUp: o.linkUp ?? true, syncInProgress: o.syncInProgress ?? false, offset: o.offset ?? 500 });
const guardCases: Array<[string, boolean, ReturnType<typeof replicationOf> | null, 'none' | 'hold' | 'lift']> = [
  ['not wiped', false, replica(), 'none'],
  ['wiped, redis-server does not answer', true, null, 'hold'],
  ['wiped, link down', true, replica({ linkUp: false, offset: 0 }), 'hold'],
  ['wiped, full sync in progress', true, replica({ syncInProgress: true }), 'hold'],
  ['wiped, link up but offset 0', true, replica({ offset: 0 }), 'hold'],
  ['wiped, first sync done', true, replica(), 'lift'],
  ['wiped, elected master after all (it alone came back)', true, replicationOf({ role: 'master' }), 'lift'],
];
for (const [title, held, local, kind] of guardCases) {
  test(`empty guard: ${title} -> ${kind}`, (t) => t.is(decideEmptyGuard(held, local).kind, kind));
}

test('election: a wiped node, a contender with data queued -> waits, saying it came back wiped', (t) => {
  const d = decide({
    self: SELF,
    selfDataBytes: 0,
    selfDataId: 'new-id',
    selfWiped: true,
    records: [rec('old', SELF, 900, 1)],
    registered: SELF,
    complete: true,
    nodes: [],
    probes: new Map(),
    sentinels: [],
    contenders: [{ address: OTHER, dataBytes: 100 }],
    elapsedMs: 60_000,
    timeoutMs: 0,
    dataWaitMs: 10_000,
  });
  t.is(d.kind, 'wait');
  t.regex(d.reason, /holds data and this node came back wiped/);
});
