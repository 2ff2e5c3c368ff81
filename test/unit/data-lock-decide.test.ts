import test from 'ava';
import { decideLockWait, describeHolder, type HolderState, holderState } from '../../packages/redis-wrapper/src/data-lock';

// A waiter on a data directory whose lock another process holds: wait for it, or give up now.
const T = 60_000;
const decisions: Array<{ holder: HolderState['kind']; waitedMs: number; timeoutMs: number; decision: ReturnType<typeof decideLockWait> }> = [
  { holder: 'running', waitedMs: 0, timeoutMs: T, decision: 'give-up-running' },
  { holder: 'running', waitedMs: 30_000, timeoutMs: T, decision: 'give-up-running' },
  { holder: 'running', waitedMs: 0, timeoutMs: 0, decision: 'give-up-running' },
  { holder: 'stopping', waitedMs: 0, timeoutMs: T, decision: 'wait' },
  { holder: 'stopping', waitedMs: T - 1, timeoutMs: T, decision: 'wait' },
  { holder: 'stopping', waitedMs: T, timeoutMs: T, decision: 'give-up-deadline' },
  { holder: 'stopping', waitedMs: 0, timeoutMs: 0, decision: 'give-up-deadline' },
  { holder: 'unknown', waitedMs: 0, timeoutMs: T, decision: 'wait' },
  { holder: 'unknown', waitedMs: T + 5, timeoutMs: T, decision: 'give-up-deadline' },
  { holder: 'unknown', waitedMs: 0, timeoutMs: 0, decision: 'give-up-deadline' },
];
for (const c of decisions) {
  test(`holder ${c.holder}, waited ${c.waitedMs} of ${c.timeoutMs} ms -> ${c.decision}`, (t) => {
    t.is(decideLockWait(c.holder, c.waitedMs, c.timeoutMs), c.decision);
  });
}

const LOCK = '1 2026-12-07T01:00:00.000Z\n';
const states: Array<{ title: string; lock?: string; record?: string; state: HolderState }> = [
  {
    title: 'a record naming the holder, running',
    lock: LOCK,
    record: '1 2026-12-07T01:00:00.000Z running\n',
    state: { kind: 'running', holder: { pid: 1, since: '2026-12-07T01:00:00.000Z' } },
  },
  {
    title: 'a record naming the holder, stopping',
    lock: LOCK,
    record: '1 2026-12-07T01:00:00.000Z stopping 2026-12-07T01:05:00.000Z\n',
    state: { kind: 'stopping', holder: { pid: 1, since: '2026-12-07T01:00:00.000Z' }, stoppingSince: '2026-12-07T01:05:00.000Z' },
  },
  {
    title: "an earlier holder's record (same pid in its container, another start): says nothing of this one",
    lock: LOCK,
    record: '1 2026-12-07T00:00:00.000Z stopping 2026-12-07T00:05:00.000Z\n',
    state: { kind: 'unknown', lockLine: LOCK.trim() },
  },
  { title: 'no record (an older wrapper)', lock: LOCK, state: { kind: 'unknown', lockLine: LOCK.trim() } },
  {
    title: 'an empty lock file (the holder has just taken it)',
    lock: '',
    record: '1 2026-12-07T01:00:00.000Z running\n',
    state: { kind: 'unknown', lockLine: '' },
  },
  { title: 'nothing readable', state: { kind: 'unknown', lockLine: '' } },
  { title: 'a record of another shape', lock: LOCK, record: '1 2026-12-07T01:00:00.000Z paused\n', state: { kind: 'unknown', lockLine: LOCK.trim() } },
  { title: 'junk in the lock file', lock: 'rm -rf /\n', record: '1 2026-12-07T01:00:00.000Z running\n', state: { kind: 'unknown', lockLine: '' } },
];
for (const c of states) {
  test(`holder state: ${c.title}`, (t) => {
    t.deepEqual(holderState(c.lock, c.record), c.state);
  });
}

test('how the log names a holder', (t) => {
  t.is(describeHolder(states[0]!.state), 'pid 1 since 2026-12-07T01:00:00.000Z, running (not stopping)');
  t.is(describeHolder(states[1]!.state), 'pid 1 since 2026-12-07T01:00:00.000Z, stopping since 2026-12-07T01:05:00.000Z');
  t.is(describeHolder(states[3]!.state), 'pid 1 since 2026-12-07T01:00:00.000Z (no stop state recorded)');
  t.is(describeHolder(states[5]!.state), 'unknown');
});
