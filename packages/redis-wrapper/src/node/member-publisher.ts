import { performance } from 'node:perf_hooks';
import { type MemberRecord, sameShape } from '@redis-zk/core';
import type { LoopInputs, TakenView } from './role-loop';

/** Records are written at once when their shape changes, else at most this often... */
const PUBLISH_MIN_MS = 1000;
/** ...and at least this often, so that a live member's record is never old. */
const PUBLISH_MAX_MS = 60_000;
/** Records of data directories not heard of for this long (before the newest) are removed. */
const RECORD_MAX_AGE_MS = 24 * 3600_000;
const PRUNE_EVERY_MS = 10 * 60_000;

/** This data directory's member record in ZooKeeper, as the node loop sees the node (Patroni's members publish their state). */
export class MemberPublisher {
  private published: { record: MemberRecord; at: number } | undefined;
  private prunedAt = 0;

  constructor(private readonly inputs: LoopInputs) {}

  /** Keeps this data directory's member record current (see PUBLISH_MIN_MS / PUBLISH_MAX_MS). */
  async publish(v: TakenView): Promise<void> {
    const l = v.local;
    if (!l || !v.zkCurrent) return;
    const record: MemberRecord = {
      address: this.inputs.self,
      role: l.role,
      replid: l.replid,
      offset: l.offset,
      following: l.following,
      linkUp: l.linkUp,
      api: this.inputs.api,
      task: this.inputs.task?.id,
      agent: this.inputs.task?.agent,
      neverPromote: this.inputs.tags.neverPromote,
      priority: this.inputs.tags.priority,
    };
    const now = performance.now();
    const last = this.published;
    const due =
      !last || !sameShape(last.record, record) || (record.offset !== last.record.offset && now - last.at >= PUBLISH_MIN_MS) || now - last.at >= PUBLISH_MAX_MS;
    if (!due) return;
    try {
      await this.inputs.dir.writeMemberRecord(this.inputs.name, this.inputs.dataId, record);
      this.published = { record, at: now };
    } catch (err) {
      this.inputs.log.debug({ err: String(err) }, 'could not publish the member record; next tick');
      return;
    }
    if (l.role === 'master' && now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      const records = await this.inputs.dir.readMemberRecords(this.inputs.name).catch(() => []);
      const removed = records.length > 0 ? await this.inputs.dir.pruneMemberRecords(this.inputs.name, records, RECORD_MAX_AGE_MS).catch(() => 0) : 0;
      if (removed > 0) this.inputs.log.info({ removed, reason: `not written for ${RECORD_MAX_AGE_MS / 3600_000} h` }, 'removed old member records');
    }
  }
}
