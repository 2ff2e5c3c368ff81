import dotenv from 'dotenv';
import { ConfigError } from './errors';
import type { VarSpec } from './vars';

type Specs = Record<string, VarSpec<unknown, string | undefined>>;
type Parsed<S extends Specs> = {
  [K in keyof S]: S[K] extends VarSpec<infer T, infer D> ? (D extends string ? T : T | undefined) : never;
};

let dotenvLoaded = false;

/** `.env` in the working directory fills gaps; the real environment always wins. */
export function loadDotenv(): void {
  if (dotenvLoaded) return;
  dotenvLoaded = true;
  dotenv.config({ quiet: true });
}

/**
 * Validates every variable a program uses, all at once, so a user sees every mistake in one run.
 * An empty string counts as unset (Marathon and shells produce them easily).
 */
export function loadConfig<S extends Specs>(specs: S, env: NodeJS.ProcessEnv = process.env): Parsed<S> {
  if (env === process.env) loadDotenv();
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const given = env[name];
    const raw = given === undefined || given === '' ? spec.default : given;
    if (raw === undefined) {
      out[name] = undefined;
      continue;
    }
    const result = spec.schema.safeParse(raw);
    if (result.success) {
      out[name] = result.data;
    } else {
      const shown = spec.secret ? '(hidden)' : JSON.stringify(raw);
      const why = result.error.issues.map((i) => i.message).join('; ');
      problems.push(`invalid environment variable ${name}=${shown}: ${why}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as Parsed<S>;
}
