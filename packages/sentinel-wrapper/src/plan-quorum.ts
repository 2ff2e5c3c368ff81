import { PAUSED_QUORUM } from '@redis-zk/core';

export type QuorumAction = { readonly kind: 'keep'; readonly reason: string } | { readonly kind: 'set'; readonly quorum: number; readonly reason: string };

/**
 * The quorum the local Sentinel should monitor a set with (pure): PAUSED_QUORUM while the set is
 * paused (maintenance mode: no sentinel can take the master for objectively down, so Sentinel
 * starts no failover by itself), `configured` (SENTINEL_QUORUM) again once it is resumed. Only a
 * quorum this rule raised is lowered again: one an operator set by hand is left alone while the
 * set is not paused.
 *
 * | paused (ZooKeeper) | the local Sentinel's quorum | action              |
 * |--------------------|-----------------------------|---------------------|
 * | unknown (no read)  | any                         | keep                |
 * | not monitored      | -                           | keep                |
 * | yes                | PAUSED_QUORUM               | keep                |
 * | yes                | anything else               | set PAUSED_QUORUM   |
 * | no                 | PAUSED_QUORUM or above      | set configured      |
 * | no                 | below PAUSED_QUORUM         | keep                |
 */
export function planQuorum(paused: boolean | null, current: number | null, configured: number): QuorumAction {
  if (paused === null) return { kind: 'keep', reason: 'whether the set is paused is unknown (ZooKeeper did not answer)' };
  if (current === null) return { kind: 'keep', reason: 'the local Sentinel does not monitor the set' };
  if (paused) {
    return current === PAUSED_QUORUM
      ? { kind: 'keep', reason: `paused: quorum already ${PAUSED_QUORUM}` }
      : {
          kind: 'set',
          quorum: PAUSED_QUORUM,
          reason: `the set is paused (maintenance mode): quorum ${current} raised to ${PAUSED_QUORUM}, Sentinel fails nothing over`,
        };
  }
  return current >= PAUSED_QUORUM
    ? { kind: 'set', quorum: configured, reason: `the set is no longer paused: quorum ${current} back to SENTINEL_QUORUM ${configured}` }
    : { kind: 'keep', reason: `not paused: quorum ${current}` };
}
