import { randomBytes } from 'node:crypto';
import type { Logger } from '../log';
import { type Address, formatAddress, parseAddress } from '../address';
import { CreateMode, isBadVersion, isNodeExists, isNoNode, type ZkClient, type ZkEvent } from './client';
import { LEGACY_MASTER_NAME, ZkPaths } from './paths';

export interface RegisteredMaster {
  /** null when the node holds something that is not `host:port` (logged with its path). */
  readonly address: Address | null;
  readonly raw: string;
  /** ZooKeeper's data version, for compare-and-set writes. */
  readonly version: number;
}

export interface Member {
  readonly id: string;
  readonly address: Address;
}

/**
 * The directory: everything redis-zk reads from and writes to ZooKeeper, over ZkPaths.
 * Atomicity it relies on:
 * - writeMaster sets `masters/{name}` (and `master` for mymaster) in one multi-op, optionally
 *   only if `masters/{name}` is still at an expected version (compare-and-set);
 * - registrations are ephemeral and vanish with their owner's session;
 * - the election lock (ZkLock over `electionLock(name)`) serialises elections of one set.
 */
export class Directory {
  readonly paths: ZkPaths;

  constructor(readonly zk: ZkClient, root: string, private readonly log: Logger) {
    this.paths = new ZkPaths(root);
  }

  async readMaster(name: string, watcher?: (e: ZkEvent) => void): Promise<RegisteredMaster | null> {
    const path = this.paths.master(name);
    const node = await this.zk.getData(path, watcher);
    if (!node) return null;
    const raw = node.data.toString();
    const address = parseAddress(raw);
    if (!address) this.log.warn({ path, raw: raw.slice(0, 200) }, 'ignoring invalid master address in ZooKeeper');
    return { address, raw, version: node.version };
  }

  /**
   * Names `address` the master of `name`. With `expectedVersion` the write happens only if
   * nobody changed the node since it was read at that version (-1 = the node must not exist);
   * returns false when that check fails.
   */
  async writeMaster(name: string, address: Address, expectedVersion?: number): Promise<boolean> {
    const path = this.paths.master(name);
    const data = Buffer.from(formatAddress(address));
    await this.zk.mkdirp(this.paths.masters);
    const legacy = name === LEGACY_MASTER_NAME;
    if (legacy && !(await this.zk.exists(this.paths.legacyMaster))) {
      await this.zk.create(this.paths.legacyMaster, '').catch((err) => { if (!isNodeExists(err)) throw err; });
    }
    const exists = expectedVersion === undefined ? await this.zk.exists(path) : expectedVersion !== -1;
    try {
      await this.zk.transaction(`write master ${name}`, (t) => {
        if (exists) t.setData(path, data, expectedVersion ?? -1);
        else t.create(path, data, CreateMode.PERSISTENT);
        if (legacy) t.setData(this.paths.legacyMaster, data, -1);
      });
      return true;
    } catch (err) {
      if (expectedVersion !== undefined && isCasFailure(err)) return false;
      throw err;
    }
  }

  /** Names of the replica sets that have a registered master. */
  listMasterNames(watcher?: (e: ZkEvent) => void): Promise<string[]> {
    return this.zk.getChildren(this.paths.masters, watcher);
  }

  listNodes(name: string, watcher?: (e: ZkEvent) => void): Promise<Member[]> {
    return this.readMembers(this.paths.nodes(name), watcher);
  }

  listSentinels(watcher?: (e: ZkEvent) => void): Promise<Member[]> {
    return this.readMembers(this.paths.sentinels, watcher);
  }

  /** A registration id: readable, and unique even when a task reuses a host and port. */
  static memberId(address: Address): string {
    return `${address.host}_${address.port}_${randomBytes(3).toString('hex')}`;
  }

  nodePath(name: string, id: string): string { return `${this.paths.nodes(name)}/${id}`; }
  sentinelPath(id: string): string { return `${this.paths.sentinels}/${id}`; }

  private async readMembers(dir: string, watcher?: (e: ZkEvent) => void): Promise<Member[]> {
    const ids = await this.zk.getChildren(dir, watcher);
    const read = await Promise.all(ids.map(async (id) => {
      const path = `${dir}/${id}`;
      const node = await this.zk.getData(path);
      if (!node) return null; // gone between list and read
      const address = parseAddress(node.data.toString());
      if (!address) {
        this.log.warn({ path, raw: node.data.toString().slice(0, 200) }, 'ignoring invalid address in ZooKeeper');
        return null;
      }
      return { id, address };
    }));
    return read.filter((m): m is Member => m !== null);
  }
}

const isCasFailure = (err: unknown) => isNoNode(err) || isNodeExists(err) || isBadVersion(err);
