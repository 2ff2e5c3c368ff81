import { type Address, formatAddress, sameAddress } from '../address';
import type { StoredMemberRecord } from './record';

/**
 * Whether a node starting with no data on disk comes back wiped: a member record of its data
 * directory, or the newest one at its address (a wiped directory loses its id file, so it has a
 * new id), shows it held data (a replication offset). A new node at a new address is not wiped.
 * Such a node must not be elected master nor be a sync source while a node with the data lives:
 * the election waits for those (rule 3, rule 4), and its replica-priority is held at 0 until its
 * first full sync (empty guard), so Sentinel never promotes it empty.
 *
 * | data on disk | records                                         | wiped |
 * |--------------|-------------------------------------------------|-------|
 * | > 0 bytes    | any                                             | no    |
 * | 0            | none                                            | no    |
 * | 0            | own data id, offset > 0                         | yes   |
 * | 0            | newest at this address (another id), offset > 0 | yes   |
 * | 0            | newest at this address, offset 0               | no    |
 */
export function wipedFrom(
  records: readonly StoredMemberRecord[],
  self: Address,
  selfDataId: string,
  selfDataBytes: number,
): { wiped: false } | { wiped: true; reason: string } {
  if (selfDataBytes > 0) return { wiped: false };
  const own = records.find((r) => r.dataId === selfDataId);
  const here = records.filter((r) => sameAddress(r.address, self)).sort((a, b) => (a.mzxid < b.mzxid ? 1 : a.mzxid > b.mzxid ? -1 : 0))[0];
  const held = [own, here].find((r) => r && r.offset > 0);
  if (!held) return { wiped: false };
  return {
    wiped: true,
    reason:
      `no data on disk, but the member record ${held.dataId} (last at ${formatAddress(held.address)}, ${held.role}, offset ${held.offset}) ` +
      'shows this node held data: its data directory was wiped',
  };
}
