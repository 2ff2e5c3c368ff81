import type { MaxMemory } from '@redis-zk/core';

/**
 * Redis's memory limit inside a Marathon task. Mesos (the cgroup) kills a task that goes over
 * `mem`; a Redis without `maxmemory` grows until it does — and then the promoted replica holds
 * the same data and is killed next. With a limit and `noeviction`, a full master refuses writes
 * (`OOM command not allowed`) and stays up.
 *
 * The default leaves room for what Redis uses beyond its dataset and for the wrapper:
 * - WRAPPER_MB for the Node wrapper (72-80 MB resident on Node 26 with --lite-mode and its node
 *   API thread: bench/peaks.json, held to this by test/unit/marathon-mem.test.ts) and
 *   redis-server's own baseline;
 * - of the rest, half for the dataset (maxmemory) and half for the copy-on-write of the fork that
 *   writes the RDB and rewrites the AOF (pages written during a save are copied, up to the whole
 *   dataset under heavy writes), replication buffers (not counted in maxmemory) and fragmentation.
 * 1024 MB (the shipped definition) gives maxmemory 448 MB.
 */
export const WRAPPER_MB = 128;
export const DATASET_SHARE = 0.5;
/** Below this a derived limit is a mistake (a task far too small), not a setting. */
export const MIN_DERIVED_MB = 16;

const MB = 1024 * 1024;

export interface MemoryInputs {
  /** REDIS_MAXMEMORY, if set. */
  readonly maxmemory: MaxMemory | undefined;
  /** REDIS_MAXMEMORY_POLICY, if set. */
  readonly policy: string | undefined;
  /** MARATHON_APP_RESOURCE_MEM (MB), if set. */
  readonly taskMemMb: number | undefined;
  /** What the base config (REDIS_CONF) already sets. */
  readonly base: { readonly maxmemory: boolean; readonly policy: boolean };
}

export type MemoryDecision =
  | { readonly ok: true; readonly lines: ReadonlyArray<readonly [string, string]>; readonly maxmemoryBytes: number | null; readonly reason: string }
  | { readonly ok: false; readonly problem: string };

/** The maxmemory and maxmemory-policy directives to add to the generated config, and why. */
export function decideMemory(inputs: MemoryInputs): MemoryDecision {
  const limit = maxmemoryBytes(inputs);
  if ('problem' in limit) return { ok: false, problem: limit.problem };
  const lines: Array<readonly [string, string]> = [];
  if (limit.bytes !== null) lines.push(['maxmemory', String(limit.bytes)]);
  if (inputs.policy) lines.push(['maxmemory-policy', inputs.policy]);
  else if (!inputs.base.policy) lines.push(['maxmemory-policy', 'noeviction']);
  const policy = inputs.policy
    ? `policy ${inputs.policy} (REDIS_MAXMEMORY_POLICY)`
    : inputs.base.policy
      ? 'policy from REDIS_CONF'
      : 'policy noeviction (a full master refuses writes, never drops keys)';
  return { ok: true, lines, maxmemoryBytes: limit.bytes, reason: `${limit.reason}; ${policy}` };
}

function maxmemoryBytes(inputs: MemoryInputs): { bytes: number | null; reason: string } | { problem: string } {
  const mem = inputs.taskMemMb;
  if (inputs.maxmemory && 'bytes' in inputs.maxmemory) {
    const bytes = inputs.maxmemory.bytes;
    if (mem !== undefined && bytes > mem * MB)
      return {
        problem:
          `invalid environment variable REDIS_MAXMEMORY: ${bytes} bytes is more than the task's memory ` +
          `(MARATHON_APP_RESOURCE_MEM=${mem} MB); Mesos would kill Redis before it reaches the limit`,
      };
    return bytes === 0 ? { bytes: 0, reason: 'no limit (REDIS_MAXMEMORY=0)' } : { bytes, reason: `maxmemory ${bytes} bytes (REDIS_MAXMEMORY)` };
  }
  if (inputs.maxmemory) {
    if (mem === undefined)
      return {
        problem:
          `invalid environment variable REDIS_MAXMEMORY=${inputs.maxmemory.percent}%: a ` +
          `share needs MARATHON_APP_RESOURCE_MEM (set by Marathon); give a size instead`,
      };
    const bytes = Math.floor((mem * MB * inputs.maxmemory.percent) / 100);
    return { bytes, reason: `maxmemory ${bytes} bytes: ${inputs.maxmemory.percent}% (REDIS_MAXMEMORY) of the task's ${mem} MB` };
  }
  if (inputs.base.maxmemory) return { bytes: null, reason: 'maxmemory as REDIS_CONF sets it' };
  if (mem === undefined) return { bytes: null, reason: 'no maxmemory: not under Marathon (no MARATHON_APP_RESOURCE_MEM) and none set' };
  const mb = Math.floor((mem - WRAPPER_MB) * DATASET_SHARE);
  if (mb < MIN_DERIVED_MB) {
    return {
      problem:
        `MARATHON_APP_RESOURCE_MEM=${mem} MB leaves no room for data (${WRAPPER_MB} MB for the wrapper, half the rest for fork ` +
        `copy-on-write and buffers): give the task at least ${WRAPPER_MB + MIN_DERIVED_MB / DATASET_SHARE} MB or set REDIS_MAXMEMORY`,
    };
  }
  return {
    bytes: mb * MB,
    reason:
      `maxmemory ${mb} MB: half of the task's ${mem} MB less ${WRAPPER_MB} MB for the ` +
      `wrapper (the other half for fork copy-on-write, replication buffers, fragmentation)`,
  };
}

/** Whether a redis.conf text sets a directive (not commented out). */
export function setsDirective(conf: string, name: string): boolean {
  const re = new RegExp(`^\\s*${name.replace(/[-]/g, '\\-')}\\s+\\S`, 'im');
  return re.test(conf);
}
