import dotenv from 'dotenv';
import { cleanEnv, makeValidator, type ValidatorSpec } from 'envalid';
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
 * Validates every variable a program uses, all at once (envalid), so a user sees every mistake
 * in one run. An empty string counts as unset (Marathon and shells produce them easily).
 */
export function loadConfig<S extends Specs>(specs: S, env: NodeJS.ProcessEnv = process.env): Parsed<S> {
  if (env === process.env) loadDotenv();
  const raw: Record<string, string> = {};
  const validators: Record<string, ValidatorSpec<unknown>> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const given = env[name];
    const value = given === undefined || given === '' ? spec.default : given;
    if (value !== undefined) raw[name] = value;
    validators[name] = makeValidator(spec.parse)({ default: undefined });
  }
  let problems: string[] = [];
  const out = cleanEnv(raw, validators, {
    reporter: ({ errors }) => {
      problems = Object.entries(errors).map(([name, err]) => {
        const shown = specs[name]?.secret ? '(hidden)' : JSON.stringify(raw[name]);
        return `invalid environment variable ${name}=${shown}: ${err?.message ?? 'invalid'}`;
      });
    },
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...out } as Parsed<S>;
}
