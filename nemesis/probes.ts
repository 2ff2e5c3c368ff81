import fs from 'node:fs';
import { parseInfo } from '../packages/core/src/redis/connect';
import type { LocalTask } from '../packages/local-stack/src/launcher';
import { ask } from '../test/helpers/sentinel';

/** Bounded: resolves with undefined when `p` takes longer than `ms` (or fails). */
export const within = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([p.catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);

/** GET `url` as JSON; undefined when it does not answer within `ms`. */
export async function getJson(url: string, ms = 1000): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(ms) });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  } catch {
    return undefined;
  }
}

/** A node's INFO replication; undefined when it does not answer. */
export async function replicationOf(port: number): Promise<Map<string, string> | undefined> {
  try {
    return parseInfo(String(await ask(port, 'INFO', 'replication')));
  } catch {
    return undefined;
  }
}

/** /proc/<pid>/stat's process name and fields after it, or undefined once the process is gone. */
function statOf(pid: string): { name: string; fields: string[] } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    return { name: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).split(' ') };
  } catch {
    return undefined;
  }
}

/** Pids matching `match` over /proc's stat of every process. */
function pidsWhere(match: (s: { name: string; fields: string[] }) => boolean): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = statOf(entry);
    if (s && match(s)) out.push(Number(entry));
  }
  return out;
}

/** Pids in process group `pgid` whose command is `comm`. */
export const groupMembers = (pgid: number, comm: string): number[] => pidsWhere((s) => Number(s.fields[2]) === pgid && s.name === comm);

/** Pids whose parent is `ppid`. */
const childrenOf = (ppid: number): number[] => pidsWhere((s) => Number(s.fields[1]) === ppid);

/**
 * A planned stop as Marathon's Docker executor does it with the image (bash execs the lone
 * command, so node gets `docker stop`'s SIGTERM): SIGTERM to the program under the task's
 * `sh -c`, SIGKILL of the group after the app's kill grace. (The launcher's own stop signals the
 * `sh` only, which dies of it without passing it on: the program would get only the SIGKILL.)
 */
export async function plannedStop(t: LocalTask): Promise<void> {
  const programs = childrenOf(t.proc.pid);
  if (programs.length === 0) t.proc.kill('SIGTERM');
  for (const pid of programs) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  const timer = setTimeout(() => t.proc.killGroup('SIGKILL'), t.app.killGraceSeconds * 1000);
  await t.proc.exited;
  clearTimeout(timer);
  await t.proc.stop(0);
}
