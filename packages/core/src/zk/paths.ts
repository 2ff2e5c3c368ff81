/** Every ZooKeeper path redis-zk uses, in one place. The README's "ZooKeeper layout" mirrors it. */
export class ZkPaths {
  constructor(readonly root: string) {}

  /** Persistent; one child per replica set, data `host:port` of its master. */
  get masters(): string {
    return `${this.root}/masters`;
  }
  master(name: string): string {
    return `${this.masters}/${name}`;
  }

  /**
   * Persistent; Sentinel's config epoch of the failover that last wrote `masters/{name}` (0 after
   * an election). Lets writers refuse to roll the master back to an older failover's.
   */
  epoch(name: string): string {
    return `${this.root}/epochs/${name}`;
  }

  /** Persistent; the `mymaster` set's master again, for the original layout's users. */
  get legacyMaster(): string {
    return `${this.root}/master`;
  }

  /** Ephemeral children: every live redis node of a set, data `host:port`. */
  nodes(name: string): string {
    return `${this.root}/nodes/${name}`;
  }

  /** Ephemeral children: every live sentinel, data `host:port`. */
  get sentinels(): string {
    return `${this.root}/sentinels`;
  }

  /**
   * Persistent; one child per data directory that ever served the set (`{dataId}`), data a
   * JSON member record: address, role, replication id and offset, kept current while it runs.
   */
  members(name: string): string {
    return `${this.root}/members/${name}`;
  }
  member(name: string, dataId: string): string {
    return `${this.members(name)}/${dataId}`;
  }

  /**
   * Persistent children, one per change of master, the last 100 kept: `s-<epoch>-<to>` for a
   * change Sentinel carried out (one name per change, so it is recorded once however many see it),
   * sequential `e-<seq>` for one a node made alone (election, recovery, fence).
   */
  history(name: string): string {
    return `${this.root}/history/${name}`;
  }

  /**
   * Ephemeral sequential children `h-<seq>`, one per switchover under way (its owner's session):
   * data a JSON HandoverClaim, the replicas it made ineligible and their priorities, which their
   * node loops give back once it is gone.
   */
  handovers(name: string): string {
    return `${this.root}/handovers/${name}`;
  }

  /**
   * Persistent, present while the set is paused (maintenance mode: `redis-zk pause`), data a JSON
   * PauseRecord `{by, at, reason}`; removed by `redis-zk resume`.
   */
  paused(name: string): string {
    return `${this.root}/paused/${name}`;
  }

  /** The election lock of a set: ephemeral sequential children `lock-<uuid>-<seq>`. */
  electionLock(name: string): string {
    return `${this.root}/locks/${name}`;
  }
}

export const LEGACY_MASTER_NAME = 'mymaster';
