import fs from 'node:fs';
import path from 'node:path';
import { NODE_FLAGS } from '../../packages/core/src/process/node-flags';
import { ManagedProcess } from '../../packages/local-stack/src/managed-process';
import { waitFor } from './wait';

export type { Exit } from '../../packages/local-stack/src/managed-process';

export const ROOT = path.resolve(__dirname, '..', '..');
export const PROGRAMS = {
  'redis-wrapper': path.join(ROOT, 'packages/redis-wrapper/dist/main.js'),
  'sentinel-wrapper': path.join(ROOT, 'packages/sentinel-wrapper/dist/main.js'),
  watcher: path.join(ROOT, 'packages/watcher/dist/main.js'),
} as const;

/** Node's arguments to run `program` as Marathon does (its V8 flags, then its entry). */
export const programArgs = (program: keyof typeof PROGRAMS): string[] => [...NODE_FLAGS[program], PROGRAMS[program]];

/** A task the test started (own process group, output in a file) that tests can read. */
export class Proc extends ManagedProcess {
  log(): string {
    return fs.readFileSync(this.logFile, 'utf8');
  }

  async waitForLog(pattern: RegExp, timeoutMs = 15000): Promise<string> {
    return waitFor(`${this.label} to log ${pattern}`, () => pattern.exec(this.log())?.[0], timeoutMs);
  }
}
