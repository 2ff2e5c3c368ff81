import pino from 'pino';
import { Directory } from '../../packages/core/src/zk/directory';
import type { Task, TestEnv } from './env';
import { sentinelMasterAddr } from './sentinel';
import { sleep, waitFor } from './wait';
import { portOf } from '../../packages/local-stack/src/harness';

// Following failovers in the chaos scenarios: killing a task, Sentinel's switch as its clients
// see it, what ZooKeeper and a watcher name meanwhile. Every wait is bounded.

export { portOf };

/** kill -9 the whole task (wrapper and the server it runs); resolves once the wrapper is gone. */
export async function killTask(task: Task): Promise<void> {
  task.proc.killGroup('SIGKILL');
  await task.proc.exited;
}

/** The raw text of `masters/<name>`, undefined when absent or ZooKeeper does not answer. */
export async function zkMasterRaw(dir: Directory, name = 'mymaster'): Promise<string | undefined> {
  return (await dir.readMaster(name).catch(() => null))?.raw;
}

/** A Directory on the test's ZooKeeper under another root (a fresh "world" per round). */
export async function directoryAt(env: TestEnv, root: string): Promise<Directory> {
  const base = await env.directory();
  return new Directory(base.zk, root, pino({ level: 'silent' }));
}

/** The sentinel a watcher follows (`GET /health` → `following`), or null. */
export async function followedBy(watcherPort: number): Promise<{ host: string; port: number } | null> {
  const res = await fetch(`http://127.0.0.1:${watcherPort}/health`, { signal: AbortSignal.timeout(2000) });
  return ((await res.json()) as { following: { host: string; port: number } | null }).following;
}

/**
 * Waits until every sentinel in `sentinels` names the same master, other than `old`, and that
 * address answers with role master. Returns it.
 */
export async function waitForSentinelSwitch(env: TestEnv, sentinels: readonly Task[], name: string, old: string, timeoutMs = 30000): Promise<string> {
  return waitFor(
    `the sentinels to switch away from ${old}`,
    async () => {
      const seen = await Promise.all(sentinels.map((s) => sentinelMasterAddr(s.port, name)));
      const first = seen[0];
      if (!first || first === old || seen.some((a) => a !== first)) return undefined;
      return (await env.role(portOf(first))) === 'master' ? first : undefined;
    },
    timeoutMs,
    50,
  );
}

/** When the first of `sentinels` names a master other than `old` (Sentinel's switch), and which. */
export async function firstSentinelSwitch(sentinels: readonly Task[], name: string, old: string, timeoutMs = 30000): Promise<{ address: string; at: number }> {
  return waitFor(
    `a sentinel to switch away from ${old}`,
    async () => {
      const seen = await Promise.all(sentinels.map((s) => sentinelMasterAddr(s.port, name)));
      const a = seen.find((x) => x && x !== old);
      return a ? { address: a, at: Date.now() } : undefined;
    },
    timeoutMs,
    20,
  );
}

/**
 * Samples `masters/<name>` every `everyMs` for `durationMs`; returns every sample that did not
 * name a live master (role master) among `allowed` addresses (empty = any live master).
 */
export async function zkNamesLiveMasterThroughout(env: TestEnv, dir: Directory, name: string, durationMs: number, everyMs = 100): Promise<string[]> {
  const bad: string[] = [];
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    const raw = await zkMasterRaw(dir, name);
    const role = raw ? await env.role(portOf(raw)) : undefined;
    if (role !== 'master') bad.push(`${new Date().toISOString()} ZooKeeper named ${JSON.stringify(raw)} (role ${role ?? 'dead'})`);
    await sleep(everyMs);
  }
  return bad;
}
