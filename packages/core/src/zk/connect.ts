import type { ZkAuth } from '../config/vars';
import type { Logger } from '../log';
import { ZkClient } from './client';
import { Directory } from './directory';
import { secureTreeInBackground } from './secure-tree';

export interface ZkConfig {
  ZK_HOSTS: string;
  ZK_ROOT: string;
  ZK_SESSION_TIMEOUT_MS: number;
  ZK_AUTH?: ZkAuth | undefined;
}

/**
 * A Directory over a fresh client; the client keeps (re)connecting in the background. With
 * ZK_AUTH every node it creates is protected and older ones are brought under the ACL; without
 * (only with ALLOW_ANONYMOUS_ZK=yes: resolveSecurity refuses otherwise), it says once that
 * discovery is open to anyone.
 */
export function openDirectory(cfg: ZkConfig, log: Logger): Directory {
  const zkLog = log.child({ component: 'zookeeper' });
  const zk = new ZkClient({ connectString: cfg.ZK_HOSTS, sessionTimeoutMs: cfg.ZK_SESSION_TIMEOUT_MS, log: zkLog, auth: cfg.ZK_AUTH });
  if (cfg.ZK_AUTH) secureTreeInBackground(zk, cfg.ZK_ROOT, zkLog);
  else
    zkLog.warn(
      { reason: 'ZK_AUTH is not set (ALLOW_ANONYMOUS_ZK=yes)' },
      'ZooKeeper nodes are open: anyone who reaches ZooKeeper can rewrite discovery (masters, sentinels) and send clients elsewhere',
    );
  return new Directory(zk, cfg.ZK_ROOT, log);
}
