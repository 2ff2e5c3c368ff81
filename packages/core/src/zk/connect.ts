import type { Logger } from '../log';
import { ZkClient } from './client';
import { Directory } from './directory';

export interface ZkConfig {
  ZK_HOSTS: string;
  ZK_ROOT: string;
  ZK_SESSION_TIMEOUT_MS: number;
}

/** A Directory over a fresh client; the client keeps (re)connecting in the background. */
export function openDirectory(cfg: ZkConfig, log: Logger): Directory {
  const zk = new ZkClient({ connectString: cfg.ZK_HOSTS, sessionTimeoutMs: cfg.ZK_SESSION_TIMEOUT_MS, log: log.child({ component: 'zookeeper' }) });
  return new Directory(zk, cfg.ZK_ROOT, log);
}
