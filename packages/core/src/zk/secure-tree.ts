import type { Logger } from '../log';
import { sleep } from '../time';
import { sameAcl } from './acl';
import { isNoAuth, isNoNode, type ZkClient } from './client';

export interface SecureTreeResult {
  /** Nodes whose ACL was replaced. */
  readonly secured: readonly string[];
  /** Nodes this identity may not read or re-ACL (made by another identity): left as they are. */
  readonly refused: readonly string[];
}

/**
 * Brings every node under `root` under the client's ACL: the upgrade from an open deployment,
 * whose nodes anyone could rewrite. Children first and `root` last, so a `root` that already
 * carries the ACL means the whole tree was done (a walk cut short is redone at the next start),
 * and every later start costs one getACL. Nodes under a secured parent can only be created by
 * this identity, with the ACL.
 */
export async function secureTree(zk: ZkClient, root: string): Promise<SecureTreeResult> {
  const secured: string[] = [];
  const refused: string[] = [];
  const rootAcl = await zk.getAcl(root);
  if (rootAcl === null || sameAcl(rootAcl, zk.acl)) return { secured, refused };
  const visit = async (path: string): Promise<void> => {
    try {
      const children = await zk.getChildren(path);
      await Promise.all(children.map((child) => visit(`${path}/${child}`)));
      const acl = await zk.getAcl(path);
      if (acl === null || sameAcl(acl, zk.acl)) return;
      await zk.setAcl(path, zk.acl);
      secured.push(path);
    } catch (err) {
      if (isNoNode(err)) return; // an ephemeral node gone meanwhile
      if (!isNoAuth(err)) throw err;
      refused.push(path);
    }
  };
  await visit(root);
  return { secured, refused };
}

/**
 * Runs secureTree once ZooKeeper answers, in the background (a start never waits for it), until
 * one walk completes; a failed walk is retried a second later.
 */
export function secureTreeInBackground(zk: ZkClient, root: string, log: Logger): void {
  void (async () => {
    for (;;) {
      try {
        await zk.waitConnected(2 ** 31 - 1);
        const { secured, refused } = await secureTree(zk, root);
        if (secured.length > 0)
          log.info({ root, nodes: secured.length, reason: 'nodes made without an ACL (an open deployment)' }, 'brought existing ZooKeeper nodes under the ACL');
        else log.debug({ root }, 'ZooKeeper nodes already under the ACL');
        if (refused.length > 0)
          log.warn(
            { root, paths: refused.slice(0, 10), count: refused.length, reason: 'made by another ZooKeeper identity' },
            'ZooKeeper nodes left under their own ACL',
          );
        return;
      } catch (err) {
        log.warn({ root, err: String(err) }, 'could not check ZooKeeper ACLs; retrying');
        await sleep(1000);
      }
    }
  })();
}
