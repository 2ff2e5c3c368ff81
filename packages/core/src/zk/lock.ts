import { randomUUID } from 'node:crypto';
import type { Logger } from '../log';
import { CreateMode, type ZkClient, ZkUnavailableError } from './client';
import { sleep, TimeoutError } from '../time';

export interface LockContender {
  /** Child node name. */
  readonly node: string;
  /** What the contender wrote in its node (e.g. its address and how much data it holds). */
  readonly data: string;
}

const SEQ = /-(\d{10})$/;
const sequenceOf = (node: string): number => Number(SEQ.exec(node)?.[1] ?? Number.MAX_SAFE_INTEGER);

/**
 * ZooKeeper's lock recipe: each contender creates an ephemeral sequential child; the lowest
 * sequence holds the lock; every other contender watches only its predecessor (no herd effect).
 * A holder whose session ends loses the lock with its node.
 *
 * The node name carries a uuid so that a create whose answer was lost (connection loss) is
 * found again instead of leaving a second, orphaned node in the queue.
 */
export class ZkLock {
  /** Every lock node a ZkLock of this process holds or waits with (until it releases or gives up). */
  private static readonly live = new Set<string>();
  private node: string | undefined;
  private readonly prefix = `lock-${randomUUID()}-`;

  constructor(
    private readonly zk: ZkClient,
    private readonly dir: string,
    private readonly log: Logger,
    private readonly data = '',
  ) {}

  get held(): boolean {
    return this.node !== undefined;
  }

  /**
   * Waits for the lock, at most `timeoutMs` (0 = forever). Resolves with whether another
   * contender held it first (false: the lock was free).
   */
  async acquire(timeoutMs = 0): Promise<boolean> {
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
    const mine = await this.enqueue(deadline);
    ZkLock.live.add(`${this.dir}/${mine}`);
    let waited = false;
    let watch: { path: string; session: string; fired: Promise<void> } | undefined;
    try {
      for (;;) {
        const children = (await this.zk.getChildren(this.dir)).sort((a, b) => sequenceOf(a) - sequenceOf(b));
        const index = children.indexOf(mine);
        if (index === -1) throw new Error(`lock node ${this.dir}/${mine} vanished (session expired?)`);
        if (index === 0) {
          this.node = mine;
          return waited;
        }
        const predecessor = `${this.dir}/${children[index - 1]}`;
        // A node of this very session ahead of ours that no lock of this process holds or waits with
        // is a leftover of an attempt that failed while ZooKeeper was away (its removal failed too):
        // it never goes, and this contender would wait on itself for ever (nemesis seed 1117549303:
        // a new redis task stuck in its election).
        const ahead = ZkLock.live.has(predecessor) ? null : await this.zk.getData(predecessor);
        if (ahead && ahead.ephemeralOwner === this.zk.sessionId) {
          this.log.warn({ node: predecessor, reason: 'a leftover of a failed attempt of this session' }, 'removing a stale lock node of ours');
          await this.zk.remove(predecessor);
          continue;
        }
        waited = true;
        // One watch per predecessor and session (a watch set at each re-check would pile up
        // listeners in the client for as long as the wait lasts); a fired one is set again.
        if (watch?.path !== predecessor || watch.session !== this.zk.sessionId) {
          let wake!: () => void;
          const fired = new Promise<void>((resolve) => {
            wake = resolve;
          });
          const armed = { path: predecessor, session: this.zk.sessionId, fired };
          const present = await this.zk.exists(predecessor, () => {
            if (watch === armed) watch = undefined;
            wake();
          });
          if (!present) continue;
          watch = armed;
        } else if (!(await this.zk.exists(predecessor))) continue;
        const left = deadline - Date.now();
        if (left <= 0) throw new TimeoutError(`waiting for lock ${this.dir}`, timeoutMs);
        // Wake on the watch, or re-check now and then: a watch is lost with a session.
        await Promise.race([watch?.fired ?? Promise.resolve(), sleep(Math.min(left, 2000))]);
        if (Date.now() >= deadline) throw new TimeoutError(`waiting for lock ${this.dir}`, timeoutMs);
      }
    } catch (err) {
      ZkLock.live.delete(`${this.dir}/${mine}`);
      await this.zk.remove(`${this.dir}/${mine}`).catch(() => undefined);
      throw err;
    }
  }

  private async enqueue(deadline: number): Promise<string> {
    for (;;) {
      try {
        const created = await this.zk.createWithParents(`${this.dir}/${this.prefix}`, this.data, CreateMode.EPHEMERAL_SEQUENTIAL);
        return created.slice(created.lastIndexOf('/') + 1);
      } catch (err) {
        if (err instanceof ZkUnavailableError) {
          if (Date.now() >= deadline) throw err;
          await sleep(200);
        } else {
          const existing = (await this.zk.getChildren(this.dir).catch(() => [])).find((c) => c.startsWith(this.prefix));
          if (existing) return existing;
          if (Date.now() >= deadline) throw err;
          this.log.warn({ err: String(err) }, 'creating lock node failed; retrying');
          await sleep(200);
        }
      }
    }
  }

  /** Everyone queued for the lock (holder included), in order, with their data. */
  async contenders(): Promise<LockContender[]> {
    const children = (await this.zk.getChildren(this.dir)).sort((a, b) => sequenceOf(a) - sequenceOf(b));
    const read = await Promise.all(
      children.map(async (node) => ({ node, data: (await this.zk.getData(`${this.dir}/${node}`).catch(() => null))?.data.toString() })),
    );
    return read.filter((c): c is LockContender => c.data !== undefined);
  }

  get ownNode(): string | undefined {
    return this.node;
  }

  async release(): Promise<void> {
    const node = this.node;
    this.node = undefined;
    if (!node) return;
    ZkLock.live.delete(`${this.dir}/${node}`);
    await this.zk.remove(`${this.dir}/${node}`);
  }
}
