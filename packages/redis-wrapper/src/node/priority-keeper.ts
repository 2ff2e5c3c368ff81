import { decidePriority, formatAddress, replicaPriorityOf, type ReplicationState, withRedis } from '@redis-zk/core';
import type { RecoveryInputs } from './recovery';

/**
 * What it needs: the set, this node as announced (as a switchover's claim names it), where its
 * redis-server listens, and its tags (the replica-priority it must have: 0 when never-promote).
 */
export type PriorityKeeperInputs = RecoveryInputs;

/**
 * Gives this replica its replica-priority back when a switchover that made it ineligible is over
 * or died without doing so (decidePriority): checked every tick from the tick's own INFO, so it
 * costs a ZooKeeper read only while the priority is 0.
 */
export class PriorityKeeper {
  private remembered: number | undefined;

  constructor(private readonly i: PriorityKeeperInputs) {}

  async check(local: ReplicationState | null): Promise<void> {
    if (!local || local.priority === undefined) return;
    const configured = replicaPriorityOf(this.i.tags);
    if (configured === 0 && local.priority === 0) return;
    if (local.priority !== 0 && configured !== 0) {
      this.remembered = undefined;
      return;
    }
    const claims = local.priority === 0 ? await this.i.dir.readHandoverClaims(this.i.name).catch(() => null) : [];
    const d = decidePriority(this.i.self, local.priority, claims, this.remembered, configured);
    if (d.kind === 'remember') {
      if (this.remembered !== d.priority)
        this.i.log.info({ priority: d.priority, by: d.by }, 'a switchover made this replica ineligible; its priority is given back when it ends');
      this.remembered = d.priority;
      return;
    }
    if (d.kind !== 'restore') return;
    await withRedis(this.i.local, { password: this.i.password, pool: this.i.pool }, (r) => r.call('CONFIG', 'SET', 'replica-priority', String(d.priority)));
    this.remembered = undefined;
    this.i.log.warn({ self: formatAddress(this.i.self), priority: d.priority, reason: d.reason }, 'replica-priority given back');
  }
}
