import { type Directory, encodeMemberRecord, type Logger, type NodeTags, parseMemberRecord, type StoredMemberRecord, withTags } from '@redis-zk/core';

/**
 * Before the election: this data directory's member record gets the node's current tags (when it
 * has a record and they changed), so the others' elections read them (withTags). Best effort: a
 * ZooKeeper error leaves the old record, and the node loop publishes the tags once it runs.
 */
export async function publishTags(
  dir: Directory,
  name: string,
  o: { dataId: string; tags: NodeTags; records: readonly StoredMemberRecord[] },
  log: Logger,
): Promise<void> {
  const { dataId, tags } = o;
  try {
    const own = o.records.find((r) => r.dataId === dataId);
    const updated = own ? withTags(own, tags) : null;
    if (!updated) return;
    // Only the record's own fields: not the dataId and zxid read back with it.
    const record = parseMemberRecord(encodeMemberRecord(updated));
    if (record) await dir.writeMemberRecord(name, dataId, record);
    log.info({ dataId, ...tags, reason: 'the tags changed since this data directory last ran' }, 'member record republished with the tags');
  } catch (err) {
    log.warn({ err: String(err) }, 'could not publish the tags before the election; the node loop does once it runs');
  }
}
