import { ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { PROGRAM_VARS } from '../config/programs';
import { type AclUsers, type AclUsersConfig, resolveAclUsers } from './acl-users';
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
 * (ZK_HOSTS given, resolveSecurity: every problem in one run), and the process-wide security
 * settings applied: every connection it opens authenticates (and speaks TLS) as configured, and
 * every file it or its server writes (generated configs holding passwords, Sentinel's rewrites of
 * them, RDB and AOF) is private to its user.
 */
export function configureProgram<P extends ProgramName>(program: P, env: NodeJS.ProcessEnv = process.env) {
  const cfg: ProgramConfig<P> = loadConfig(PROGRAM_VARS[program], env);
  const problems: string[] = [];
  // No default: a task that silently dialled localhost would wait on a ZooKeeper that is not there
  // (or, worse, find another deployment's).
  const zkHosts = (cfg as { ZK_HOSTS?: string | undefined }).ZK_HOSTS;
  if (!zkHosts) problems.push('ZK_HOSTS is not set: give the ZooKeeper ensemble that holds discovery, host:port[,host:port…][/chroot] (there is no default)');
  let security: Security | undefined;
  try {
    security = resolveSecurity(cfg as unknown as SecurityConfig);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  // The ACL users this program defines or logs in as (none unless their passwords are given).
  const sec = cfg as unknown as SecurityConfig;
  const users: AclUsers = resolveAclUsers(
    cfg as unknown as AclUsersConfig,
    { redisPassword: sec.REDIS_PASSWORD || undefined, sentinelPassword: sec.SENTINEL_PASSWORD || sec.REDIS_PASSWORD || undefined },
    problems,
  );
  if (problems.length > 0 || !zkHosts || !security) throw new ConfigError(problems);
  useClientSecurity(security);
  // Inherited by redis-server and redis-sentinel: Sentinel rewrites its config (passwords in it)
  // as a new file created with the umask, whatever mode the wrapper gave the original.
  process.umask(0o077);
  return { ...cfg, ZK_HOSTS: zkHosts, security, users };
}
