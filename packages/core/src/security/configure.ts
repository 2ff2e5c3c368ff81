import { loadConfig } from '../config/load';
import { PROGRAM_VARS } from '../config/programs';
import { useClientSecurity } from './clients';
import { resolveSecurity, type Security, type SecurityConfig } from './settings';

export type ProgramName = keyof typeof PROGRAM_VARS;
type ProgramConfig<P extends ProgramName> = ReturnType<typeof loadConfig<(typeof PROGRAM_VARS)[P]>>;

/** Compile-time proof that every program reads every security variable (the cast below relies on it). */
const everyProgramReadsSecurity: { [P in ProgramName]: ProgramConfig<P> extends SecurityConfig ? true : never } = {
  'redis-wrapper': true,
  'sentinel-wrapper': true,
  watcher: true,
  'redis-zk': true,
};
void everyProgramReadsSecurity;

/**
 * A program's start: its configuration, checked variable by variable and then as a whole
 * (resolveSecurity), and the process-wide security settings applied: every connection it opens
 * authenticates (and speaks TLS) as configured, and every file it or its server writes (generated
 * configs holding passwords, Sentinel's rewrites of them, RDB and AOF) is private to its user.
 */
export function configureProgram<P extends ProgramName>(program: P, env: NodeJS.ProcessEnv = process.env) {
  const cfg: ProgramConfig<P> = loadConfig(PROGRAM_VARS[program], env);
  const security: Security = resolveSecurity(cfg as unknown as SecurityConfig);
  useClientSecurity(security);
  // Inherited by redis-server and redis-sentinel: Sentinel rewrites its config (passwords in it)
  // as a new file created with the umask, whatever mode the wrapper gave the original.
  process.umask(0o077);
  return { ...cfg, security };
}
