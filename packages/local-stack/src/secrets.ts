import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** What the store needs of an app: the variables it takes from secrets, and their sources. */
interface WithSecrets {
  readonly secretEnv: Readonly<Record<string, string>>;
}

/**
 * The local stand-in for Marathon's secret store: one random value per secret source, the same
 * for every app that declares it, kept in files of mode 0600 under `dir` (so an operator can
 * `cat` one into a shell variable instead of seeing it on the terminal).
 */
export class LocalSecrets {
  private constructor(
    readonly dir: string,
    private readonly values: ReadonlyMap<string, string>,
  ) {}

  static create(dir: string, apps: readonly WithSecrets[]): LocalSecrets {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const values = new Map<string, string>();
    for (const app of apps) {
      for (const [name, source] of Object.entries(app.secretEnv)) {
        if (values.has(source)) continue;
        const value = generate(name);
        fs.writeFileSync(path.join(dir, fileName(source)), value, { mode: 0o600 });
        values.set(source, value);
      }
    }
    return new LocalSecrets(dir, values);
  }

  /** The environment an app gets from its secrets. */
  envOf(app: WithSecrets): Record<string, string> {
    return Object.fromEntries(Object.entries(app.secretEnv).map(([name, source]) => [name, this.values.get(source)!]));
  }

  /** Where the value of `source` is kept. */
  file(source: string): string {
    return path.join(this.dir, fileName(source));
  }
}

const fileName = (source: string) => source.replace(/[^A-Za-z0-9._-]/g, '_');

/** A value of the shape its variable expects: ZK_AUTH is digest `user:password`. */
function generate(variable: string): string {
  const secret = randomBytes(18).toString('base64url');
  return variable === 'ZK_AUTH' ? `redis-zk:${secret}` : secret;
}
