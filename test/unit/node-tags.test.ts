import test from 'ava';
import { encodeMemberRecord, type MemberRecord, parseMemberRecord, sameShape } from '../../packages/core/src/members/record';
import { DEFAULT_TAGS, describeTags, replicaPriorityOf, tagsAt, tagsOf } from '../../packages/core/src/members/tags';
import { redisConfigLines } from '../../packages/redis-wrapper/src/redis-config';
import { addr } from '../helpers/fixtures';

const base: MemberRecord = { address: addr('10.0.0.1:6379'), role: 'replica', replid: 'a'.repeat(40), offset: 10, following: null, linkUp: true };

const priorityCases: Array<[string, { neverPromote: boolean; priority: number }, number, string]> = [
  ['default', DEFAULT_TAGS, 100, '-'],
  ['preferred', { neverPromote: false, priority: 10 }, 10, 'priority 10'],
  ['never-promote (its priority ignored)', { neverPromote: true, priority: 10 }, 0, 'never-promote'],
];
for (const [title, tags, priority, shown] of priorityCases) {
  test(`tags: ${title} -> replica-priority ${priority}, shown ${shown}`, (t) => {
    t.is(replicaPriorityOf(tags), priority);
    t.is(describeTags(tags), shown);
    t.true(
      redisConfigLines({
        bind: base.address,
        announce: base.address,
        dataDir: '/d',
        password: undefined,
        replicaOf: undefined,
        replicaPriority: priority,
      }).includes(`replica-priority ${priority}`),
    );
  });
}

test('the member record carries the tags and reads them back', (t) => {
  const r: MemberRecord = { ...base, neverPromote: true, priority: 42 };
  const back = parseMemberRecord(encodeMemberRecord(r));
  t.deepEqual(tagsOf(back ?? undefined), { neverPromote: true, priority: 42 });
  t.false(sameShape(base, r), 'a change of tags is published at once');
});

test('a record without tags (older version) is promotable at the default priority', (t) => {
  t.deepEqual(tagsOf(parseMemberRecord(encodeMemberRecord(base)) ?? undefined), DEFAULT_TAGS);
});

for (const priority of [0, -1, 1.5, 2 ** 31, 'high']) {
  test(`a record's junk priority ${JSON.stringify(priority)} is dropped (the default applies)`, (t) => {
    const text = JSON.stringify({ ...JSON.parse(encodeMemberRecord(base)), priority });
    t.is(parseMemberRecord(text)?.priority, undefined);
  });
}

test('tagsAt: the newest record at the address wins', (t) => {
  const stored = (neverPromote: boolean, mzxid: number) => ({ ...base, neverPromote, dataId: `d${mzxid}`, mzxid: BigInt(mzxid), mtimeMs: mzxid });
  t.true(tagsAt([stored(false, 1), stored(true, 5)], base.address).neverPromote);
  t.false(tagsAt([stored(false, 9), stored(true, 5)], base.address).neverPromote);
  t.deepEqual(tagsAt([], base.address), DEFAULT_TAGS);
});
