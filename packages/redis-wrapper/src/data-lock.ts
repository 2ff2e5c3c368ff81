import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { childEnv } from '@redis-zk/core';

export const LOCK_FILE = 'redis-zk.lock';
/** flock(1)'s exit status when another holds the lock (chosen here, passed with -E). */
const CONFLICT = 75;

/** busy: another process holds the lock (worth waiting for). */
export type DataLock = { held: true; reason: string } | { held: false; reason: string; fatal: boolean; busy?: boolean };

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
    fs.writeFileSync(file, `${process.pid} ${new Date().toISOString()}\n`);
    return { held: true, reason: `${file} locked for this process's life` };
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

/** What the holder wrote in the lock file (`<pid> <since>`), one short line, for the log. */
function holderOf(file: string): string {
  try {
    const line = fs.readFileSync(file, 'utf8').split('\n')[0] ?? '';
    const m = /^(\d{1,10}) (\S{1,40})$/.exec(line.trim());
    return m ? `pid ${m[1]} since ${m[2]}` : 'unknown'; // the pid as its own container numbers it
  } catch {
    return 'unknown';
  }
}

export interface LockWaiting {
  file: string;
  /** What the holder wrote when it took the lock. */
  holder: string;
  waitedMs: number;
  timeoutMs: number;
}

/**
 * lockDataDir, waiting up to `timeoutMs` while another process holds the lock: during an upgrade
 * Marathon may start the new task on the agent whose old task still stops (UNIQUE ignores older
 * versions), and that one lets go within its kill grace period. Tries every `pollMs`; `onWaiting`
 * is told at the first refusal and every `reportEveryMs` after. At the deadline the refusal is
 * fatal, naming the directory. Anything but a held lock is returned at once.
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
    if (waitedMs >= o.timeoutMs) {
      if (o.timeoutMs === 0) return lock;
      return {
        held: false,
        fatal: true,
        busy: true,
        reason: `data directory ${dir} still locked after ${o.timeoutMs} ms (DATA_LOCK_WAIT_MS): ${lock.reason}`,
      };
    }
    if (waitedMs >= reportAt) {
      const file = path.join(dir, LOCK_FILE);
      o.onWaiting?.({ file, holder: holderOf(file), waitedMs, timeoutMs: o.timeoutMs });
      reportAt = waitedMs + reportEveryMs;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, o.timeoutMs - waitedMs)));
  }
}
