import test from 'ava';
import { decidePriority, formatHandoverClaim, type HandoverClaim, parseHandoverClaim } from '../../packages/core/src/switchover/claims';
import { pauseSliceMs, PAUSE_SLICE_MS } from '../../packages/core/src/switchover/write-pause';

const self = { host: '10.0.0.2', port: 6379 };
const other = { host: '10.0.0.3', port: 6379 };
const claim = (excluded: HandoverClaim['excluded']): HandoverClaim => ({ by: 'redis-zk on ops', at: 1, excluded });

const cases: Array<[string, number, HandoverClaim[] | null, number | undefined, ReturnType<typeof decidePriority>['kind'], number?, number?]> = [
  ['priority not 0: nothing to do', 100, [claim([{ address: self, priority: 100 }])], 100, 'none'],
  ['ZooKeeper unreadable: nothing now (remembered kept)', 0, null, 100, 'none'],
  ['a running switchover lists it: remember its priority', 0, [claim([{ address: self, priority: 50 }])], undefined, 'remember', 50],
  [
    "a running switchover lists another node only, nothing remembered: an operator's own 0, left",
    0,
    [claim([{ address: other, priority: 100 }])],
    undefined,
    'none',
  ],
  ['no switchover any more, remembered: give it back', 0, [], 100, 'restore', 100],
  ['another switchover runs, not listing it, remembered: give it back', 0, [claim([{ address: other, priority: 100 }])], 70, 'restore', 70],
  ['no switchover, nothing remembered: left', 0, [], undefined, 'none'],
];
// Never-promote (NEVER_PROMOTE=yes: configured 0): held at 0 whatever set it otherwise.
cases.push(
  ['never-promote at 0, no claim: its own 0, nothing to do', 0, [], undefined, 'none', undefined, 0],
  ['never-promote at 0, something remembered: still its own 0, nothing given back', 0, [], 100, 'none', undefined, 0],
  ['never-promote raised to 100 (a restore, an operator): back to 0', 100, [], undefined, 'restore', 0, 0],
  ['never-promote raised while ZooKeeper is unreadable: back to 0 all the same', 7, null, undefined, 'restore', 0, 0],
  ['promotable (configured 10) at 0 after a switchover: gives back what it remembered', 0, [], 10, 'restore', 10, 10],
  ["promotable at 25, configured 10: an operator's change, left alone", 25, [], undefined, 'none', undefined, 10],
);
for (const [title, live, claims, remembered, kind, priority, configured] of cases) {
  test(`decidePriority: ${title}`, (t) => {
    const d = decidePriority(self, live, claims, remembered, configured);
    t.is(d.kind, kind);
    if (d.kind === 'remember' || d.kind === 'restore') t.is(d.priority, priority!);
  });
}

test('a claim reads back as written', (t) => {
  const c = claim([{ address: self, priority: 100 }]);
  t.deepEqual(parseHandoverClaim(formatHandoverClaim(c)), c);
});

const junk: Array<[string, string]> = [
  ['not JSON', 'nope'],
  ['null', 'null'],
  ['no by', '{"at":1,"excluded":[]}'],
  ['an address that is not one', '{"by":"x","at":1,"excluded":[{"address":"evil host:1","priority":100}]}'],
  ['priority 0 (nothing to give back)', '{"by":"x","at":1,"excluded":[{"address":"10.0.0.2:6379","priority":0}]}'],
  ['priority not an int', '{"by":"x","at":1,"excluded":[{"address":"10.0.0.2:6379","priority":1.5}]}'],
  ['priority past an int', '{"by":"x","at":1,"excluded":[{"address":"10.0.0.2:6379","priority":1e12}]}'],
  ['a time that is not a number', '{"by":"x","at":"now","excluded":[]}'],
];
for (const [title, text] of junk) {
  test(`parseHandoverClaim refuses junk: ${title}`, (t) => t.is(parseHandoverClaim(text), null));
}

test('a write pause slice: a full slice, never past the deadline, at least 1 ms', (t) => {
  t.is(pauseSliceMs(100_000, 0), PAUSE_SLICE_MS);
  t.is(pauseSliceMs(1000, 0), 1000);
  t.is(pauseSliceMs(1000, 5000), 1);
});
