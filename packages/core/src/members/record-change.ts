import { type Address, formatAddress } from '../address';
import type { Logger } from '../log';
import type { Directory } from '../zk/directory';
import type { HistoryEvent } from './history';

/** A change of master as its recorder knows it: addresses (the old one may be only its text, or unknown); the time is now unless given. */
export type MasterChange = Omit<HistoryEvent, 'at' | 'from' | 'to'> & { at?: number; from: Address | string | null; to: Address };

/** The history entry of a change: the one way every recorder builds it. */
export function historyEvent(c: MasterChange): HistoryEvent {
  const { at, from, to, ...rest } = c;
  return { at: at ?? Date.now(), from: from === null || typeof from === 'string' ? from : formatAddress(from), to: formatAddress(to), ...rest };
}

/** Who records: `redis-wrapper 10.0.0.1:31001`. */
export const recordedBy = (program: string, self: Address): string => `${program} ${formatAddress(self)}`;

/**
 * Records a change of master in the set's history. Never throws: the history must not hold up
 * the failover it records; a failure is logged with the change's cause.
 */
export async function recordMasterChange(dir: Directory, name: string, c: MasterChange, log: Logger): Promise<void> {
  await dir.recordChange(name, historyEvent(c)).catch((err: unknown) => {
    log.warn({ set: name, cause: c.cause, err: String(err) }, 'could not record the change of master in the history');
  });
}
