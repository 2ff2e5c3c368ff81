import fs from 'node:fs';
import { ConfigError } from '../config/errors';
import type { ZkAuth } from '../config/vars';

/** The security variables every program reads (see config/vars.ts). */
export interface SecurityConfig {
  REDIS_PASSWORD?: string | undefined;
  ALLOW_EMPTY_PASSWORD: boolean;
  SENTINEL_PASSWORD?: string | undefined;
  REDIS_TLS_ENABLED: boolean;
  REDIS_TLS_CERT_FILE?: string | undefined;
  REDIS_TLS_KEY_FILE?: string | undefined;
  REDIS_TLS_CA_FILE?: string | undefined;
  REDIS_TLS_AUTH_CLIENTS: 'yes' | 'no' | 'optional';
  ZK_AUTH?: ZkAuth | undefined;
  ALLOW_ANONYMOUS_ZK: boolean;
}

export interface TlsSettings {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly authClients: 'yes' | 'no' | 'optional';
  /** The files' contents, read once at start: what this program presents and trusts as a client. */
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
}

/** How redis and Sentinel are protected, resolved once from the environment. */
export interface Security {
  readonly redisPassword: string | undefined;
  readonly sentinelPassword: string | undefined;
  readonly tls: TlsSettings | undefined;
}

/**
 * The rules no single variable can check: a password and ZooKeeper credentials unless each is
 * explicitly waived, and with TLS, every file present and readable. Throws a ConfigError naming
 * the variables (never a value). A waiver only allows what is missing: when ZK_AUTH is set, its
 * ACLs apply whatever ALLOW_ANONYMOUS_ZK says (openDirectory decides on ZK_AUTH alone).
 */
export function resolveSecurity(cfg: SecurityConfig): Security {
  const problems: string[] = [];
  if (!cfg.REDIS_PASSWORD && !cfg.ALLOW_EMPTY_PASSWORD) {
    problems.push(
      'REDIS_PASSWORD is not set: redis and Sentinel would let anyone who reaches their port read, write and reconfigure. ' +
        'Set REDIS_PASSWORD (from a secret), or set ALLOW_EMPTY_PASSWORD=yes to run without a password (a quick trial only)',
    );
  }
  if (!cfg.ZK_AUTH && !cfg.ALLOW_ANONYMOUS_ZK) {
    problems.push(
      'ZK_AUTH is not set: the ZooKeeper nodes would be open, and anyone who reaches ZooKeeper could rewrite discovery ' +
        "(masters, sentinels), sending clients, and the nodes' own password, to a host of theirs. " +
        'Set ZK_AUTH=user:password (from a secret), or set ALLOW_ANONYMOUS_ZK=yes to run with ZooKeeper open (a quick trial only)',
    );
  }
  const tls = cfg.REDIS_TLS_ENABLED ? readTls(cfg, problems) : undefined;
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    redisPassword: cfg.REDIS_PASSWORD || undefined,
    sentinelPassword: cfg.SENTINEL_PASSWORD || cfg.REDIS_PASSWORD || undefined,
    tls,
  };
}

function readTls(cfg: SecurityConfig, problems: string[]): TlsSettings | undefined {
  const read = (name: 'REDIS_TLS_CERT_FILE' | 'REDIS_TLS_KEY_FILE' | 'REDIS_TLS_CA_FILE'): [string, Buffer] | undefined => {
    const file = cfg[name];
    if (!file) {
      problems.push(`${name} is required when REDIS_TLS_ENABLED=yes`);
      return undefined;
    }
    try {
      return [file, fs.readFileSync(file)];
    } catch (err) {
      problems.push(`invalid environment variable ${name}=${JSON.stringify(file)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      return undefined;
    }
  };
  const cert = read('REDIS_TLS_CERT_FILE');
  const key = read('REDIS_TLS_KEY_FILE');
  const ca = read('REDIS_TLS_CA_FILE');
  if (!cert || !key || !ca) return undefined;
  return { certFile: cert[0], keyFile: key[0], caFile: ca[0], authClients: cfg.REDIS_TLS_AUTH_CLIENTS, cert: cert[1], key: key[1], ca: ca[1] };
}
