import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { childEnv } from '@redis-zk/core';

export const LOCK_FILE = 'redis-zk.lock';
/**
 * The holder's record beside the lock file: `<pid> <since> running` or `<pid> <since> stopping <at>`,
 * always replaced whole (written aside, then renamed over), so a reader sees one record or the
 * other, never half. Not the lock file itself: a rename there would swap the locked inode.
 */
export const HOLDER_FILE = 'redis-zk.lock.holder';
/** flock(1)'s exit status when another holds the lock (chosen here, passed with -E). */
const CONFLICT = 75;

/** Who holds a data directory's lock: the pid (as its own container numbers it) and when it took the lock. */
export interface Holder {
  pid: number;
  since: string;
}

/**
 * busy: another process holds the lock (worth waiting for, if it is stopping). holder: this
 * process's own record, when it holds the lock (what markDataDirStopping writes again).
 */
export type DataLock = { held: true; reason: string; holder?: Holder } | { held: false; reason: string; fatal: boolean; busy?: boolean };

/**
 * Takes an exclusive lock on `dir` for as long as this process lives, so that two redis-servers
 * never share one AOF (on a host volume, the previous task on the agent may still be in its kill
 * grace period). flock(2) holds across containers on one host, unlike a pid file (every
 * container's wrapper is PID 1). Node has no flock: flock(1) locks the open file description this
 * process passes it as fd 3 and exits; the lock stays with this process's descriptor and goes
 * when it exits, however it ends. Without flock(1) (macOS), no lock, said so.
 */
export async function lockDataDir(dir: string): Promise<DataLock> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const fd = fs.openSync(file, 'a'); // kept open until exit on purpose: it carries the lock
  const status = await new Promise<number | 'missing'>((resolve) => {
    const child = spawn('flock', ['--exclusive', '--nonblock', '--conflict-exit-code', String(CONFLICT), '3'], {
      stdio: ['ignore', 'ignore', 'ignore', fd],
      env: childEnv(), // flock needs none of the wrapper's secrets
    });
    child.on('error', () => resolve('missing'));
    child.on('exit', (code) => resolve(code ?? 1));
  });
  if (status === 0) {
    const holder = { pid: process.pid, since: new Date().toISOString() };
    // In place (the locked inode stays): what older wrappers read. Then the record with the state.
    fs.writeFileSync(file, `${holder.pid} ${holder.since}\n`);
    writeHolderRecord(dir, holder, undefined);
    return { held: true, holder, reason: `${file} locked for this process's life` };
  }
  fs.closeSync(fd);
  if (status === 'missing') return { held: false, fatal: false, reason: 'flock(1) not found: the data directory is not locked' };
  if (status === CONFLICT)
    return {
      held: false,
      fatal: true,
      busy: true,
      reason:
        `${file} is locked: another redis-server uses this data directory ` +
        '(a previous task on this agent still stopping, or another set sharing the directory)',
    };
  return { held: false, fatal: true, reason: `flock(1) on ${file} failed with status ${status}` };
}

/** Replaces the holder's record whole: written aside, then renamed over (a reader sees the old or the new). */
function writeHolderRecord(dir: string, holder: Holder, stoppingAt: string | undefined): void {
  const file = path.join(dir, HOLDER_FILE);
  const tmp = `${file}.${holder.pid}.tmp`;
  fs.writeFileSync(tmp, `${holder.pid} ${holder.since} ${stoppingAt ? `stopping ${stoppingAt}` : 'running'}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * The holder's stop began (SIGTERM, before its handover): a task Marathon starts beside it on
 * this directory may wait for it (it lets go within its kill grace period). Synchronous, so it is
 * on disk before anything of the stop runs. Throws what the file system says.
 */
export function markDataDirStopping(dir: string, holder: Holder, at: Date = new Date()): void {
  writeHolderRecord(dir, holder, at.toISOString());
}

/** The holder as a waiter sees it. unknown: no record that matches the lock file (an older wrapper, or one that has just taken the lock). */
export type HolderState =
  | { kind: 'unknown'; lockLine: string }
  | { kind: 'running'; holder: Holder }
  | { kind: 'stopping'; holder: Holder; stoppingSince: string };

const LOCK_LINE = /^(\d{1,10}) (\S{1,40})$/;
const RECORD_LINE = /^(\d{1,10}) (\S{1,40}) (?:running|stopping (\S{1,40}))$/;

/**
 * Pure: the holder's state from the lock file's first line and the record beside it. The record
 * counts only when it names the holder the lock file names (pid and since): a record left by an
 * earlier holder (killed with SIGKILL, or a newer wrapper before an older one took the lock) says
 * nothing about this one.
 */
export function holderState(lockText: string | undefined, recordText: string | undefined): HolderState {
  const lockLine = (lockText ?? '').split('\n')[0]!.trim();
  const lock = LOCK_LINE.exec(lockLine);
  const rec = RECORD_LINE.exec((recordText ?? '').split('\n')[0]!.trim());
  if (!lock || !rec || rec[1] !== lock[1] || rec[2] !== lock[2]) return { kind: 'unknown', lockLine: lock ? lockLine : '' };
  const holder = { pid: Number(lock[1]), since: lock[2]! };
  return rec[3] ? { kind: 'stopping', holder, stoppingSince: rec[3] } : { kind: 'running', holder };
}

/** What the log says of a holder, one short line. */
export function describeHolder(h: HolderState): string {
  if (h.kind === 'unknown') {
    const m = LOCK_LINE.exec(h.lockLine);
    return m ? `pid ${m[1]} since ${m[2]} (no stop state recorded)` : 'unknown';
  }
  const who = `pid ${h.holder.pid} since ${h.holder.since}`;
  return h.kind === 'stopping' ? `${who}, stopping since ${h.stoppingSince}` : `${who}, running (not stopping)`;
}

function readHolder(dir: string): HolderState {
  const read = (f: string) => {
    try {
      return fs.readFileSync(path.join(dir, f), 'utf8').slice(0, 200);
    } catch {
      return undefined;
    }
  };
  return holderState(read(LOCK_FILE), read(HOLDER_FILE));
}

/**
 * Pure, the waiter's decision once a try found the lock taken:
 * | holder   | before the deadline | at the deadline (or DATA_LOCK_WAIT_MS 0) |
 * |----------|---------------------|------------------------------------------|
 * | running  | give up now         | give up now                              |
 * | stopping | wait                | give up (deadline)                       |
 * | unknown  | wait                | give up (deadline)                       |
 * A running holder that is not stopping will not let go: Marathon placed this task beside a live
 * one (an upgrade's UNIQUE ignores older versions) or another set shares the directory; exiting
 * at once lets Marathon place the task elsewhere now. A stopping one lets go within its kill
 * grace. Unknown: an older wrapper that records no stop (waited for, as before), or a holder that
 * has just taken the lock and not yet written its record (the next try sees it).
 */
export function decideLockWait(holder: HolderState['kind'], waitedMs: number, timeoutMs: number): 'wait' | 'give-up-running' | 'give-up-deadline' {
  if (holder === 'running') return 'give-up-running';
  return waitedMs >= timeoutMs ? 'give-up-deadline' : 'wait';
}

export interface LockWaiting {
  file: string;
  /** Who holds it, and whether its stop began. */
  holder: string;
  waitedMs: number;
  timeoutMs: number;
}

/**
 * lockDataDir, waiting up to `timeoutMs` while the process that holds the lock is stopping (or
 * says nothing of it): during an upgrade Marathon may start the new task on the agent whose old
 * task still stops (UNIQUE ignores older versions), and that one lets go within its kill grace
 * period. A holder that is running and not stopping is refused at once (decideLockWait). Tries
 * every `pollMs`; `onWaiting` is told at the first refusal and every `reportEveryMs` after. A
 * refusal is fatal, naming the directory and the holder. Anything but a taken lock is returned at once.
 */
export async function waitForDataDir(
  dir: string,
  o: { timeoutMs: number; pollMs?: number; reportEveryMs?: number; onWaiting?: (w: LockWaiting) => void },
): Promise<DataLock> {
  const pollMs = o.pollMs ?? 250;
  const reportEveryMs = o.reportEveryMs ?? 10_000;
  const started = Date.now();
  let reportAt = 0;
  for (;;) {
    const lock = await lockDataDir(dir);
    if (lock.held || !lock.busy) return lock;
    const waitedMs = Date.now() - started;
    const holder = readHolder(dir);
    const decision = decideLockWait(holder.kind, waitedMs, o.timeoutMs);
    if (decision === 'give-up-running')
      return {
        held: false,
        fatal: true,
        busy: true,
        reason:
          `data directory ${dir} is held by a running process that is not stopping (${describeHolder(holder)}): ` +
          'another task of this app on this agent, or another set sharing the directory; not waiting for it',
      };
    if (decision === 'give-up-deadline') {
      if (o.timeoutMs === 0) return lock;
      return {
        held: false,
        fatal: true,
        busy: true,
        reason: `data directory ${dir} still locked after ${o.timeoutMs} ms (DATA_LOCK_WAIT_MS; holder ${describeHolder(holder)}): ${lock.reason}`,
      };
    }
    if (waitedMs >= reportAt) {
      o.onWaiting?.({ file: path.join(dir, LOCK_FILE), holder: describeHolder(holder), waitedMs, timeoutMs: o.timeoutMs });
      reportAt = waitedMs + reportEveryMs;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, o.timeoutMs - waitedMs)));
  }
}
