import fs from 'node:fs/promises';
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
