import net from 'node:net';
import pino from 'pino';
import { Directory } from '../../packages/core/src/zk/directory';
import { parseInfo } from '../../packages/core/src/redis/connect';
import { type Deployment, FAST_SENTINEL, type Task, type TestEnv } from './env';
import { ask, sentinelMaster, sentinelMasterAddr } from './sentinel';
import { sleep, waitFor } from './wait';
import { portOf } from '../../packages/local-stack/src/harness';

// Small generic helpers for the chaos scenarios (watcher chaos, whole-set restart, mass start,
// bad data). Every wait is bounded.

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

/**
 * Like env.deploy, but the redis tasks get the given DATA_DIRs (one task per dir): the redis
 * tasks first, then the sentinels (fast failover settings), then the watchers; waits until the
 * sentinels reach quorum and know every replica and peer.
 */
export async function deployWithDataDirs(
  env: TestEnv,
  dataDirs: readonly string[],
  o: { sentinels?: number; watchers?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Deployment> {
  const extra = o.env ?? {};
  const name = String(extra.MASTER_NAME ?? 'mymaster');
  const redis = await Promise.all(dataDirs.map((DATA_DIR) => env.start('redis-wrapper', { ...extra, DATA_DIR })));
  const dir = await env.directory();
  const master = (await waitFor('a master in ZooKeeper', () => dir.readMaster(name), 30000)).raw;
  await waitFor('every redis registered', async () => (await dir.listNodes(name)).length === redis.length, 30000, 100);
  const sentinels = await Promise.all(Array.from({ length: o.sentinels ?? 3 }, () => env.start('sentinel-wrapper', { ...FAST_SENTINEL, ...extra })));
  const watchers = await Promise.all(Array.from({ length: o.watchers ?? 0 }, () => env.start('watcher', extra)));
  if (sentinels.length > 0) {
    await waitFor('sentinels registered', async () => (await dir.listSentinels()).length === sentinels.length, 30000);
    await waitForSentinelsToKnowSet(sentinels, name, redis.length - 1, 30000);
  }
  for (const w of watchers)
    await waitFor('watcher healthy', async () => (await fetch(`http://127.0.0.1:${w.port}/health`).catch(() => null))?.status === 200, 30000);
  return { redis, sentinels, watchers, dir, master, name };
}

export async function waitForSentinelsToKnowSet(sentinels: readonly Task[], name: string, replicas: number, timeoutMs: number): Promise<void> {
  await waitFor(
    'every sentinel to know every replica and peer',
    async () => {
      for (const s of sentinels) {
        const m = await sentinelMaster(s.port, name);
        if (!m || Number(m.get('num-slaves')) < replicas || Number(m.get('num-other-sentinels')) < sentinels.length - 1) return false;
      }
      return true;
    },
    timeoutMs,
    200,
  );
}

/** INFO <section> of a node as a map (one question, fresh connection); undefined when it does not answer. */
export async function info(port: number, section = 'replication'): Promise<Map<string, string> | undefined> {
  return ask(port, 'INFO', section).then(
    (text) => parseInfo(String(text)),
    () => undefined,
  );
}

export interface RawReply {
  status: number | null;
  head: string;
  body: string;
  bytes: number;
}

/**
 * Sends bytes as they are on a fresh connection and collects whatever comes back until the server
 * closes it, resets it, or `waitMs` passes. A write the server refuses (EPIPE/ECONNRESET after an
 * early answer) is not an error: the answer read so far is kept. The default wait is generous:
 * the servers tested close every such connection once they have answered, and with another test
 * file starting processes beside it, a burst of 200 requests took over 5 s to be answered.
 */
export function rawHttp(port: number, data: string | Buffer, waitMs = 30000): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(received);
      const text = all.toString('latin1');
      const cut = text.indexOf('\r\n\r\n');
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
      resolve({
        status: status ? Number(status[1]) : null,
        head: cut < 0 ? text : text.slice(0, cut),
        body: cut < 0 ? '' : text.slice(cut + 4),
        bytes: all.length,
      });
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => socket.write(data, () => undefined));
  });
}
