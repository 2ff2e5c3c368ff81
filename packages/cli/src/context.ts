import { configureProgram, createLogger, Directory, type Logger, ZkClient } from '@redis-zk/core';

/** How long the command waits for ZooKeeper before giving up (exit 1). */
const ZK_CONNECT_MS = 10_000;

export interface CliContext {
  dir: Directory;
  log: Logger;
  close(): void;
}

/**
 * The command's world, configured as the programs are (ZK_HOSTS, ZK_ROOT, ZK_AUTH, the password
 * and TLS: configureProgram), so it connects wherever they do. It never re-secures the tree (the
 * programs do that); logs are JSON on stderr, silent unless --verbose.
 */
export async function openContext(o: { verbose: boolean }): Promise<CliContext> {
  const cfg = configureProgram('redis-zk');
  const log = createLogger('redis-zk', o.verbose ? 'debug' : 'silent', 2);
  const zk = new ZkClient({
    connectString: cfg.ZK_HOSTS,
    sessionTimeoutMs: cfg.ZK_SESSION_TIMEOUT_MS,
    log: log.child({ component: 'zookeeper' }),
    auth: cfg.ZK_AUTH,
  });
  try {
    await zk.waitConnected(ZK_CONNECT_MS);
  } catch {
    zk.close();
    throw new CliError(`cannot reach ZooKeeper at ${cfg.ZK_HOSTS} (waited ${ZK_CONNECT_MS / 1000} s)`, 1);
  }
  return { dir: new Directory(zk, cfg.ZK_ROOT, log), log, close: () => zk.close() };
}

/** A failure the command reports as one line on stderr, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit codes, as documented in `redis-zk --help` and docs/operate.md. */
export const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3, notFound: 4 } as const;
