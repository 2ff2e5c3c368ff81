import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'redis-zk.lock';
/** flock(1)'s exit status when another holds the lock (chosen here, passed with -E). */
const CONFLICT = 75;

export type DataLock = { held: true; reason: string } | { held: false; reason: string; fatal: boolean };

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
      reason:
        `${file} is locked: another redis-server uses this data directory ` +
        '(a previous task on this agent still stopping, or another set sharing the directory)',
    };
  return { held: false, fatal: true, reason: `flock(1) on ${file} failed with status ${status}` };
}
