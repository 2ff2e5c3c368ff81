import fs from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

/** Bytes of persisted data redis would load from `dir` (RDB, and AOF in either layout). */
export async function persistedBytes(dir: string): Promise<number> {
  const size = async (file: string) => (await fs.stat(file).catch(() => null))?.size ?? 0;
  const aofDir = path.join(dir, 'appendonlydir');
  const aofFiles = await fs.readdir(aofDir).catch(() => [] as string[]);
  const sizes = await Promise.all([
    size(path.join(dir, 'dump.rdb')),
    size(path.join(dir, 'appendonly.aof')),
    ...aofFiles.filter((f) => !f.endsWith('.manifest')).map((f) => size(path.join(aofDir, f))),
  ]);
  return sizes.reduce((a, b) => a + b, 0);
}

const ID_FILE = 'redis-zk-member-id';

/**
 * The data directory's identity, kept in the directory itself: a task that comes back on another
 * port with the same data is the same member (its record in ZooKeeper says how far its history went).
 */
export async function memberDataId(dir: string): Promise<string> {
  const file = path.join(dir, ID_FILE);
  const existing = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
  if (/^[0-9a-f-]{36}$/.test(existing)) return existing;
  await fs.mkdir(dir, { recursive: true });
  const id = randomUUID();
  await fs.writeFile(file, `${id}\n`);
  return id;
}
