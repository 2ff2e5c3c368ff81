import { randomBytes } from 'node:crypto';
import type { Logger } from '../log';
import { type Address, byAddress, formatAddress, parseAddress } from '../address';
import { CreateMode, isBadVersion, isNodeExists, isNoNode, type ZkClient, type ZkEvent } from './client';
import { ZkLock } from './lock';
import { LEGACY_MASTER_NAME, ZkPaths } from './paths';
import { EphemeralRegistration } from './registration';
import { encodeMemberRecord, type MemberRecord, parseMemberRecord, type StoredMemberRecord } from '../members/record';
import { isSetName } from '../config/vars';
import { formatHandoverClaim, type HandoverClaim, parseHandoverClaim } from '../switchover/claims';
import { formatPauseRecord, type PauseRecord, parsePauseRecord } from '../pause/record';
import type { HistoryEvent } from '../members/history';
import { HistoryNodes } from './history-nodes';

export interface RegisteredMaster {
  /** null when the node holds something that is not `host:port` (logged with its path). */
  readonly address: Address | null;
  readonly raw: string;
  /** ZooKeeper's data version, for compare-and-set writes. */
  readonly version: number;
  /** Config epoch of the failover that wrote it; -1 when unknown (written by an older version). */
  readonly epoch: number;
}

export interface Member {
  readonly id: string;
  readonly address: Address;
}

/** A switchover's claim in ZooKeeper, as its owner holds it (Directory.openHandover). */
export interface HandoverHandle {
  update(claim: HandoverClaim): Promise<void>;
  close(): Promise<void>;
  /** The claims opened before this one and still there: switchovers under way ahead of it. */
  ahead(): Promise<HandoverClaim[]>;
}

/**
 * One replica set as ZooKeeper holds it, read at once: its registered master (with the epoch and
 * version written with it), the live sentinels and, when asked for, its live nodes and member
 * records. Frozen: a decision takes one snapshot and never sees it change under it.
 */
export interface SetRecord {
  readonly name: string;
  readonly master: RegisteredMaster | null;
  readonly sentinels: readonly Member[];
  /** Empty unless asked for (`nodes: true`). */
  readonly nodes: readonly Member[];
  /** Empty unless asked for (`members: true`). */
  readonly members: readonly StoredMemberRecord[];
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
  private readonly history: HistoryNodes;

  /**
   * @param zk the session: the programs reach it only through the methods below (connection,
   * reconnects, locks, registrations); tests use it for raw reads and writes.
   */
  constructor(
    readonly zk: ZkClient,
    root: string,
    private readonly log: Logger,
  ) {
    this.paths = new ZkPaths(root);
    this.history = new HistoryNodes(zk, this.paths);
  }

  get connected(): boolean {
    return this.zk.connected;
  }

  /** Resolves once connected; rejects after `timeoutMs` (the session keeps trying meanwhile). */
  waitConnected(timeoutMs: number): Promise<void> {
    return this.zk.waitConnected(timeoutMs);
  }

  /** `fn` on every reconnect or new session (watches may be gone: re-read); returns the unsubscribe. */
  onReconnected(fn: () => void): () => void {
    return this.zk.onReconnected(fn);
  }

  /**
   * `fn(true)` when the session is usable again (its watches kept), `fn(false)` when it is lost,
   * and `fn(true, 'new session')` when ZooKeeper gave a new one (its watches are gone). Returns the unsubscribe.
   */
  onConnection(fn: (usable: boolean, change?: 'new session') => void): () => void {
    const up = () => fn(true);
    const down = () => fn(false);
    const session = () => fn(true, 'new session');
    this.zk.on('connected', up);
    this.zk.on('disconnected', down);
    this.zk.on('session', session);
    return () => {
      this.zk.off('connected', up);
      this.zk.off('disconnected', down);
      this.zk.off('session', session);
    };
  }

  close(): void {
    this.zk.close();
  }

  /** The lock that serialises the elections (and recoveries) of set `name`; `data` names the contender. */
  electionLock(name: string, log: Logger, data: string): ZkLock {
    return new ZkLock(this.zk, this.paths.electionLock(name), log, data);
  }

  /** An ephemeral node at `path` holding `data`, kept present across reconnects and new sessions. */
  registration(path: string, data: string, log: Logger): EphemeralRegistration {
    return new EphemeralRegistration(this.zk, path, data, log);
  }

  /** Whether set `name` has a registered master; `watcher` fires once when that node changes. */
  masterExists(name: string, watcher?: (e: ZkEvent) => void): Promise<boolean> {
    return this.zk.exists(this.paths.master(name), watcher);
  }

  async readMaster(name: string, watcher?: (e: ZkEvent) => void): Promise<RegisteredMaster | null> {
    const path = this.paths.master(name);
    const [node, epochNode] = await Promise.all([this.zk.getData(path, watcher), this.zk.getData(this.paths.epoch(name))]);
    if (!node) return null;
    const raw = node.data.toString();
    const address = parseAddress(raw);
    if (!address) this.warnInvalid(path, raw, 'ignoring invalid master address in ZooKeeper');
    const epochText = epochNode?.data.toString() ?? '';
    const epoch = /^\d+$/.test(epochText) ? Number(epochText) : -1;
    return { address, raw, version: node.version, epoch };
  }

  /**
   * Names `address` the master of `name`, with the config epoch that put it there, in one
   * multi-op (`masters/{name}`, `epochs/{name}`, and `master` for mymaster). With
   * `expectedVersion` the write happens only if nobody changed `masters/{name}` since it was read
   * at that version (-1 = it must not exist yet); returns false when that check fails.
   */
  async writeMaster(name: string, address: Address, opts: { epoch: number; expectedVersion?: number }): Promise<boolean> {
    const { expectedVersion } = opts;
    const path = this.paths.master(name);
    const epochPath = this.paths.epoch(name);
    const data = Buffer.from(formatAddress(address));
    const legacy = name === LEGACY_MASTER_NAME;
    const write = async () => {
      const exists = expectedVersion === undefined ? await this.zk.exists(path) : expectedVersion !== -1;
      await this.zk.transaction(`write master ${name}`, (t) => {
        if (exists) t.setData(path, data, expectedVersion ?? -1);
        else t.create(path, data, CreateMode.PERSISTENT);
        t.setData(epochPath, Buffer.from(String(opts.epoch)), -1);
        if (legacy) t.setData(this.paths.legacyMaster, data, -1);
      });
    };
    const casFailed = (err: unknown) => expectedVersion !== undefined && isCasFailure(err);
    // The layout (parents, the epoch node) is made only when a write finds it missing: after the
    // first write of a set, a write is two round trips.
    try {
      await write();
      return true;
    } catch (err) {
      if (!isNoNode(err)) {
        if (casFailed(err)) return false;
        throw err;
      }
    }
    await Promise.all([this.zk.mkdirp(this.paths.masters), this.zk.mkdirp(`${this.paths.root}/epochs`)]);
    await Promise.all([this.ensureNode(epochPath), legacy ? this.ensureNode(this.paths.legacyMaster) : undefined]);
    try {
      await write();
      return true;
    } catch (err) {
      if (casFailed(err)) return false;
      throw err;
    }
  }

  /** Once per path and content: pollers read the same junk many times a second. */
  private readonly invalidSeen = new Map<string, string>();
  private warnInvalid(path: string, raw: string, msg: string): void {
    if (this.invalidSeen.get(path) === raw) return;
    if (this.invalidSeen.size > 1000) this.invalidSeen.clear();
    this.invalidSeen.set(path, raw);
    this.log.warn({ path, raw: raw.slice(0, 200) }, msg);
  }

  private async ensureNode(path: string): Promise<void> {
    if (await this.zk.exists(path)) return;
    await this.zk.create(path, '').catch((err) => {
      if (!isNodeExists(err)) throw err;
    });
  }

  /** One snapshot of a set (see SetRecord); the optional parts cost a read each. */
  async readSet(name: string, parts: { nodes?: boolean; members?: boolean } = {}): Promise<SetRecord> {
    const [master, sentinels, nodes, members] = await Promise.all([
      this.readMaster(name),
      this.listSentinels(),
      parts.nodes ? this.listNodes(name) : [],
      parts.members ? this.readMemberRecords(name) : [],
    ]);
    return Object.freeze({ name, master, sentinels: Object.freeze(sentinels), nodes: Object.freeze(nodes), members: Object.freeze(members) });
  }

  /** Names of the replica sets that have a registered master. */
  async listMasterNames(watcher?: (e: ZkEvent) => void): Promise<string[]> {
    return this.setNames(this.paths.masters, await this.zk.getChildren(this.paths.masters, watcher));
  }

  /** Children that are set names (isSetName: no glob, path or control characters); the rest logged once and skipped. */
  private setNames(dir: string, children: readonly string[]): string[] {
    return children.filter((name) => {
      if (isSetName(name)) return true;
      this.warnInvalid(`${dir}/${name}`, name, 'ignoring a replica set whose name is not a set name');
      return false;
    });
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

  nodePath(name: string, id: string): string {
    return `${this.paths.nodes(name)}/${id}`;
  }
  sentinelPath(id: string): string {
    return `${this.paths.sentinels}/${id}`;
  }

  /** Publishes this data directory's record (created on first write). */
  async writeMemberRecord(name: string, dataId: string, record: MemberRecord): Promise<void> {
    const path = this.paths.member(name, dataId);
    const data = encodeMemberRecord(record);
    try {
      await this.zk.setData(path, data);
    } catch (err) {
      if (!isNoNode(err)) throw err;
      await this.zk.createWithParents(path, data).catch((e) => {
        if (!isNodeExists(e)) throw e;
      });
    }
  }

  /** Every record of the set; junk is logged (once) and left out. */
  async readMemberRecords(name: string): Promise<StoredMemberRecord[]> {
    const dir = this.paths.members(name);
    const ids = await this.zk.getChildren(dir);
    const read = await Promise.all(
      ids.map(async (dataId) => {
        const node = await this.zk.getData(`${dir}/${dataId}`);
        if (!node) return null;
        const record = parseMemberRecord(node.data.toString());
        if (!record) {
          this.warnInvalid(`${dir}/${dataId}`, node.data.toString(), 'ignoring invalid member record in ZooKeeper');
          return null;
        }
        return { ...record, dataId, mzxid: node.mzxid, mtimeMs: node.mtimeMs };
      }),
    );
    return read.filter((r): r is StoredMemberRecord => r !== null);
  }

  /**
   * Removes records not written for `maxAgeMs` before the newest one (ZooKeeper's clock, so no
   * skew): a task without a persistent volume brings a new data directory at every start.
   */
  async pruneMemberRecords(name: string, records: readonly StoredMemberRecord[], maxAgeMs: number): Promise<number> {
    const newest = Math.max(...records.map((r) => r.mtimeMs));
    const old = records.filter((r) => r.mtimeMs < newest - maxAgeMs);
    await Promise.all(old.map((r) => this.zk.remove(this.paths.member(name, r.dataId)).catch(() => undefined)));
    return old.length;
  }

  /**
   * Records a change of master in the set's history, exactly once per change (HistoryNodes.record).
   */
  recordChange(name: string, event: HistoryEvent): Promise<'recorded' | 'merged' | 'already recorded'> {
    return this.history.record(name, event);
  }

  /**
   * Records a switchover under way (claims.ts) as an ephemeral node of this session, in a queue:
   * the handle rewrites it, lists the claims opened before it (`ahead`: one switchover at a time),
   * and removes it when the switchover ends (a dead owner's goes with its session).
   */
  async openHandover(name: string, claim: HandoverClaim): Promise<HandoverHandle> {
    const dir = this.paths.handovers(name);
    const path = await this.zk.createWithParents(`${dir}/h-`, formatHandoverClaim(claim), CreateMode.EPHEMERAL_SEQUENTIAL);
    const own = path.slice(dir.length + 1);
    return {
      update: async (c) => {
        await this.zk.setData(path, formatHandoverClaim(c));
      },
      close: () => this.zk.remove(path).catch(() => undefined),
      ahead: async () => {
        // Sequence numbers are ZooKeeper's (10 digits, zero-padded): the names sort in creation order.
        const before = (await this.zk.getChildren(dir)).filter((node) => node < own);
        const read = await Promise.all(before.map(async (node) => this.zk.getData(`${dir}/${node}`)));
        return read.flatMap((d) => {
          const c = d ? parseHandoverClaim(d.data.toString()) : null;
          return c ? [c] : d ? [{ by: 'unknown (an invalid switchover record)', at: d.mtimeMs, excluded: [] }] : [];
        });
      },
    };
  }

  /** The switchovers under way on a set; junk is skipped (and logged once). */
  async readHandoverClaims(name: string): Promise<HandoverClaim[]> {
    const dir = this.paths.handovers(name);
    const nodes = await this.zk.getChildren(dir);
    const read = await Promise.all(nodes.map(async (node) => ({ node, data: await this.zk.getData(`${dir}/${node}`) })));
    return read.flatMap(({ node, data }) => {
      if (!data) return [];
      const claim = parseHandoverClaim(data.data.toString());
      if (!claim) this.warnInvalid(`${dir}/${node}`, data.data.toString(), 'ignoring an invalid switchover record in ZooKeeper');
      return claim ? [claim] : [];
    });
  }

  /**
   * Whether set `name` is paused (maintenance mode), and by whom; null when it is not. A pause
   * node whose data is not a PauseRecord still pauses the set (it was created on purpose; its
   * time is ZooKeeper's) and is logged once. `watcher` fires once when the node is created,
   * changed or removed.
   */
  async readPause(name: string, watcher?: (e: ZkEvent) => void): Promise<PauseRecord | null> {
    const path = this.paths.paused(name);
    const node = await this.zk.getData(path, watcher);
    if (!node) {
      // ZooKeeper sets no data watch on a missing node: watch its creation instead.
      if (watcher && (await this.zk.exists(path, watcher))) return this.readPause(name, watcher);
      return null;
    }
    const record = parsePauseRecord(node.data.toString());
    if (record) return record;
    this.warnInvalid(path, node.data.toString(), 'a pause record that is not {by, at, reason}: the set is paused all the same');
    return { by: 'unknown', at: node.mtimeMs, reason: 'the pause record in ZooKeeper is not valid' };
  }

  /** Pauses set `name` (creates `paused/<name>`); an existing pause is kept and returned as it is. */
  async pause(name: string, record: PauseRecord): Promise<{ created: boolean; record: PauseRecord }> {
    try {
      await this.zk.createWithParents(this.paths.paused(name), formatPauseRecord(record), CreateMode.PERSISTENT);
      return { created: true, record };
    } catch (err) {
      if (!isNodeExists(err)) throw err;
    }
    const existing = await this.readPause(name);
    return existing ? { created: false, record: existing } : this.pause(name, record); // resumed meanwhile
  }

  /** Ends the pause of set `name`; the record it ended, or null when it was not paused. */
  async resume(name: string): Promise<PauseRecord | null> {
    const existing = await this.readPause(name);
    if (existing) await this.zk.remove(this.paths.paused(name));
    return existing;
  }

  /** The set's history, oldest first (in the order the entries were made); junk is left out. */
  readHistory(name: string): Promise<HistoryEvent[]> {
    return this.history.read(name);
  }

  /** The names of a set's history nodes (unordered). */
  listHistoryNodes(name: string): Promise<string[]> {
    return this.zk.getChildren(this.paths.history(name));
  }

  /** One history node; null when gone or junk. */
  readHistoryEntry(name: string, node: string): Promise<HistoryEvent | null> {
    return this.history.readEntry(name, node);
  }

  /** Names of the sets that have a history (a set may have one and no master any more). */
  async listHistorySets(): Promise<string[]> {
    const dir = `${this.paths.root}/history`;
    return this.setNames(dir, await this.zk.getChildren(dir));
  }

  private async readMembers(dir: string, watcher?: (e: ZkEvent) => void): Promise<Member[]> {
    const ids = await this.zk.getChildren(dir, watcher);
    const read = await Promise.all(
      ids.map(async (id) => {
        const path = `${dir}/${id}`;
        const node = await this.zk.getData(path);
        if (!node) return null; // gone between list and read
        const address = parseAddress(node.data.toString());
        if (!address) {
          this.warnInvalid(path, node.data.toString(), 'ignoring invalid address in ZooKeeper');
          return null;
        }
        return { id, address };
      }),
    );
    return read.filter((m): m is Member => m !== null).sort((a, b) => byAddress(a.address, b.address));
  }
}

const isCasFailure = (err: unknown) => isNoNode(err) || isNodeExists(err) || isBadVersion(err);
