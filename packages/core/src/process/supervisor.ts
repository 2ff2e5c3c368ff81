import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { VARS } from '../config/vars';
import type { Logger } from '../log';
import { parseRedisLogLine } from './redis-log';

/** The catalogue's secrets (REDIS_PASSWORD, SENTINEL_PASSWORD, ZK_AUTH, the ACL users' passwords). */
const SECRET_VARS = new Set(
  Object.entries(VARS)
    .filter(([, spec]) => 'secret' in spec && spec.secret)
    .map(([name]) => name),
);
/** Names that say a secret whoever set them (redis-cli's REDISCLI_AUTH, a platform's token or credential). */
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|(^|_)AUTH$/i;

/**
 * The environment for any child of a program (redis-server, redis-sentinel, flock): the
 * program's own, without its secrets. The servers read theirs from the generated config, and
 * nothing else needs one; a child's environment is readable in /proc/<pid>/environ by its user,
 * and travels into its core dump and into whatever it spawns in turn.
 */
export const childEnv = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !SECRET_VARS.has(name) && !SECRET_NAME.test(name)));

/**
 * How a server is started: through `sh`, which sets its core file size limit to 0 (soft and hard:
 * the server cannot raise it again) and then execs it, so the pid is the server's. A core dump of
 * redis-server or redis-sentinel holds its whole memory: the data, and the passwords. Only the
 * shell is needed (no prlimit, no extra package); `$0` and `$@` keep the arguments as given.
 */
export const NO_CORE_DUMPS = 'ulimit -c 0 && exec "$0" "$@"';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Turns a server's output into the wrapper's JSON lines (level from redis's markers, see
 * redis-log.ts), so one log pipeline reads the task's whole output. The stream is read as fast as
 * it comes: redis blocks on a full pipe.
 */
function relay(stream: Readable, log: Logger): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    if (line.trim() === '') return;
    const { level, msg, ...fields } = parseRedisLogLine(line);
    log[level](fields, msg);
  });
}

/**
 * Lowers a server's CPU priority below the wrapper's, so that on a busy machine the wrapper's
 * rare, short work (its HTTP answers, the node loop) runs first when it wakes instead of waiting
 * behind the server's time slice. A nice level weighs against the processes of the same cgroup
 * (a Marathon task's container) or session: the server yields to its own wrapper, whose CPU use
 * is small, not to the rest of the machine. Linux sets it on the server's main thread, the one
 * that serves clients. Failing to lower it is logged, never fatal.
 */
function lowerPriority(pid: number, below: number, log: Logger): void {
  try {
    const nice = Math.min(19, os.getPriority() + below);
    os.setPriority(pid, nice);
    log.info({ childPid: pid, nice, reason: `below the wrapper's by ${below} (REDIS_NICE)` }, 'server CPU priority lowered');
  } catch (err) {
    log.warn({ childPid: pid, err: String(err) }, 'could not lower the server CPU priority; it runs at the wrapper priority');
  }
}

/**
 * One server process (redis-server or redis-sentinel) owned by a wrapper. Its output becomes the
 * wrapper's JSON lines on stdout (`"server":"redis-server"`), level mapped from redis's markers.
 */
export class Supervised {
  readonly exited: Promise<ChildExit>;
  private readonly child: ChildProcess;
  private done = false;

  constructor(
    readonly bin: string,
    readonly args: readonly string[],
    readonly log: Logger,
    /** How much lower the server's CPU priority is than the wrapper's (nice levels; 0: the same). */
    readonly niceBelow = 0,
  ) {
    this.child = spawn('/bin/sh', ['-c', NO_CORE_DUMPS, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    if (niceBelow > 0 && this.child.pid !== undefined) lowerPriority(this.child.pid, niceBelow, log);
    const serverLog = log.child({ server: path.basename(bin) });
    if (this.child.stdout) relay(this.child.stdout, serverLog);
    if (this.child.stderr) relay(this.child.stderr, serverLog);
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.done = true;
        log.error({ bin, err: err.message }, 'could not start server process');
        resolve({ code: 127, signal: null });
      });
      this.child.once('exit', (code, signal) => {
        this.done = true;
        // 127: the shell found no such executable (its own line, relayed above, says which).
        if (code === 127) log.error({ bin }, 'could not start server process');
        resolve({ code, signal });
      });
    });
    log.info({ bin, args, childPid: this.child.pid }, 'server process started');
  }

  get pid(): number | undefined {
    return this.child.pid;
  }
  get running(): boolean {
    return !this.done;
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.done) this.child.kill(sig);
  }

  /**
   * Forwards a stop signal, then SIGTERM every `repeatMs` until the process exits. redis-server
   * refuses to stop while it writes its first AOF ("Writing initial AOF, can't exit") and then
   * goes on serving; asked again, it stops once that is done. Repeats are SIGTERM because a
   * second SIGINT means "exit now, skip persisting". Never SIGKILL: that is Marathon's, after the
   * kill grace period.
   */
  terminate(signal: NodeJS.Signals, repeatMs = 1000): void {
    this.signal(signal);
    const timer = setInterval(() => this.signal('SIGTERM'), repeatMs);
    void this.exited.then(() => clearInterval(timer));
  }
}

/** The wrapper's exit status for a child's exit: its code, or 128+signal like a shell. */
export function exitStatus(exit: ChildExit): number {
  if (exit.code !== null) return exit.code;
  const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11, SIGABRT: 6 };
  return 128 + (exit.signal ? (signals[exit.signal] ?? 1) : 1);
}
