import { decidePriority, formatAddress, replicaPriorityOf, type ReplicationState, withRedis } from '@redis-zk/core';
import type { RecoveryInputs } from './recovery';
import { decideEmptyGuard, type EmptyGuardDecision } from './empty-guard';

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

  /** @param wiped the node came back wiped: its priority is held at 0 until its first full sync (decideEmptyGuard). */
  constructor(
    private readonly inputs: PriorityKeeperInputs,
    private wiped = false,
  ) {}

  async check(local: ReplicationState | null): Promise<void> {
    const guard = decideEmptyGuard(this.wiped, local);
    if (guard.kind !== 'none') return this.emptyGuard(guard, local);
    if (!local || local.priority === undefined) return;
    const configured = replicaPriorityOf(this.inputs.tags);
    if (configured === 0 && local.priority === 0) return;
    if (local.priority !== 0 && configured !== 0) {
      this.remembered = undefined;
      return;
    }
    const claims = local.priority === 0 ? await this.inputs.dir.readHandoverClaims(this.inputs.name).catch(() => null) : [];
    const d = decidePriority(this.inputs.self, local.priority, claims, this.remembered, configured);
    if (d.kind === 'remember') {
      if (this.remembered !== d.priority)
        this.inputs.log.info({ priority: d.priority, by: d.by }, 'a switchover made this replica ineligible; its priority is given back when it ends');
      this.remembered = d.priority;
      return;
    }
    if (d.kind !== 'restore') return;
    await withRedis(this.inputs.local, { pool: this.inputs.pool }, (r) => r.call('CONFIG', 'SET', 'replica-priority', String(d.priority)));
    this.remembered = undefined;
    this.inputs.log.warn({ self: formatAddress(this.inputs.self), priority: d.priority, reason: d.reason }, 'replica-priority given back');
  }

  /** Holds the priority at 0 while the empty guard lasts; gives the tags' priority once it is lifted. */
  private async emptyGuard(guard: Exclude<EmptyGuardDecision, { kind: 'none' }>, local: ReplicationState | null): Promise<void> {
    if (guard.kind === 'hold' && (!local || local.priority === undefined || local.priority === 0)) return;
    const priority = guard.kind === 'hold' ? 0 : replicaPriorityOf(this.inputs.tags);
    await withRedis(this.inputs.local, { pool: this.inputs.pool }, (r) => r.call('CONFIG', 'SET', 'replica-priority', String(priority)));
    if (guard.kind === 'lift') this.wiped = false;
    this.inputs.log.info(
      { priority, reason: guard.reason },
      guard.kind === 'lift' ? 'empty guard lifted: replica-priority set' : 'empty guard: replica-priority held at 0',
    );
  }
}
