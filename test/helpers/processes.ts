import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { NODE_FLAGS } from '../../packages/core/src/process/node-flags';
import { ManagedProcess } from '../../packages/local-stack/src/managed-process';
import { waitFor } from './wait';
import { ROOT } from './root';

export { ROOT };

export type { Exit } from '../../packages/local-stack/src/managed-process';

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

  /**
   * Passes when a line of the log matches `pattern`; else fails naming the warnings and errors and
   * the last lines, each as its message and reason (CI prints only the start of a long value).
   */
  expectLogged(t: ExecutionContext, pattern: RegExp, message?: string): void {
    const log = this.log();
    if (pattern.test(log)) {
      t.pass();
      return;
    }
    const lines = log.split('\n').filter((l) => l.trim() !== '');
    const notable = lines.filter((l) => /"level":(40|50|60)\b/.test(l)).slice(-8);
    const shown = (l: string): string => {
      try {
        const { msg, reason, step, err } = JSON.parse(l) as Record<string, unknown>;
        return JSON.stringify({ msg, step, reason, err });
      } catch {
        return l.slice(0, 300);
      }
    };
    t.fail(
      `${message ? `${message}: ` : ''}${this.label} never logged ${pattern}\n` +
        `warnings and errors:\n${notable.map(shown).join('\n') || '(none)'}\nlast lines:\n${lines.slice(-6).map(shown).join('\n')}`,
    );
  }

  async waitForLog(pattern: RegExp, timeoutMs = 15000): Promise<string> {
    return waitFor(`${this.label} to log ${pattern}`, () => pattern.exec(this.log())?.[0], timeoutMs);
  }
}
