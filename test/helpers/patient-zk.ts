import type { ZkClient } from '../../packages/core/src/zk/client';
import { sleep } from './wait';

/**
 * The calls a test may ask again after its connection was lost under them: each gives the same
 * result when repeated (a create is not among them: its lost answer may hide a node it made).
 * setData and remove only without a version (where the version argument is): one whose lost
 * answer was a success would fail with BAD_VERSION when asked again.
 */
const REPEATABLE = new Map<string, number | undefined>([
  ['getData', undefined],
  ['getChildren', undefined],
  ['exists', undefined],
  ['getAcl', undefined],
  ['mkdirp', undefined],
  ['setData', 2],
  ['remove', 1],
]);
const ATTEMPTS = 5;

/** Whether `key(...args)` may be asked again. */
function repeatable(key: string, args: readonly unknown[]): boolean {
  if (!REPEATABLE.has(key)) return false;
  const versionAt = REPEATABLE.get(key);
  return versionAt === undefined || args[versionAt] === undefined || args[versionAt] === -1;
}

/** A lost connection (the library's CONNECTION_LOSS) or one not back yet (ZkUnavailableError). */
function connectionLost(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name === 'CONNECTION_LOSS' || name === 'ZkUnavailableError';
}

async function again<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= ATTEMPTS || !connectionLost(err)) throw err;
      await sleep(200 * attempt);
    }
  }
}

/**
 * The test's own ZooKeeper client, whose repeatable calls are tried up to 5 times (about 2 s of pauses) when
 * the connection is lost under them: on a loaded host (CI) the test's own ZooKeeper drops a
 * connection now and then, and the test's scaffolding is not what it judges. The programs under
 * test keep their own clients, unchanged.
 */
export function patientZk(zk: ZkClient): ZkClient {
  return new Proxy(zk, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || !REPEATABLE.has(key) || typeof value !== 'function') return value;
      return (...args: unknown[]) => (repeatable(key, args) ? again(() => value.apply(target, args)) : value.apply(target, args));
    },
  });
}

/** Makes `path` hold `data`, whether it exists or not; asked again when the connection is lost (a lost create's node is written over). */
export function putNode(zk: ZkClient, path: string, data: Buffer | string): Promise<void> {
  return again(async () => {
    try {
      await zk.create(path, data);
    } catch (err) {
      if ((err as { name?: string }).name !== 'NODE_EXISTS') throw err;
      await zk.setData(path, data);
    }
  });
}
