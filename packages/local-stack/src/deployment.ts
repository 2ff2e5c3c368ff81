import type { AppDefinition } from './app-definition';
import type { Health } from './health-rules';

/**
 * Marathon's rolling replacement (restart, or an upgrade to a new definition), as pure functions
 * (core/deployment/impl/TaskReplaceActor.scala, Marathon 1.10).
 *
 * With n instances, minHealthy = ceil(n × minimumHealthCapacity) and maxCapacity =
 * floor(n × (1 + maximumOverCapacity)) instances may exist at once. At the start, as many old
 * instances as are healthy beyond minHealthy are killed at once; after that, one more old
 * instance for each new one that is healthy and ready; new instances are launched whenever there
 * is room under maxCapacity, old instances that still run counting against it. If minHealthy
 * equals maxCapacity and there is no room at all, Marathon allows one instance over capacity (a
 * resident app instead kills one more at once). More instances than n (an unreachable one and its
 * replacement) are killed at once down to n.
 *
 * Old instances are killed in the order: those that are not healthy first (an unreachable one, kept
 * within its expungeAfterSeconds, too), then as they come (the model: killSelection). Killing an
 * unreachable instance only makes Marathon forget it (KillAction.Decommission): it frees no room.
 * So with maximumOverCapacity 0 and an unreachable instance kept, the one kill at once is spent
 * on it, every old instance still runs, no new one can launch and the deployment stalls until an
 * old task ends some other way (docs/marathon.md's runbook).
 */

export type UpgradeStrategy = AppDefinition['upgradeStrategy'];
export type KillSelection = AppDefinition['killSelection'];

export interface RestartBudget {
  minHealthy: number;
  maxCapacity: number;
  killImmediately: number;
}

/** What TaskReplaceActor counts when a deployment starts. */
export interface RestartCounts {
  /** Instances (old or new) meant to run that are running and healthy (`consideredHealthy`). */
  healthy: number;
  /** Every instance Marathon knows, in any state (unreachable ones kept too). */
  current: number;
  /** The app has persistent volumes. */
  resident?: boolean;
}

// Products like 3 × 0.66 are computed in binary floating point; the epsilon keeps 7.000000000000001 a 7.
const EPS = 1e-9;

/** TaskReplaceActor.computeRestartStrategy. */
export function restartBudget(instances: number, s: UpgradeStrategy, c: RestartCounts): RestartBudget {
  const minHealthy = Math.max(0, Math.ceil(instances * s.minimumHealthCapacity - EPS));
  let maxCapacity = Math.floor(instances * (1 + s.maximumOverCapacity) + EPS);
  let killImmediately = Math.max(0, c.healthy - minHealthy);
  if (minHealthy === maxCapacity && maxCapacity <= c.healthy) {
    if (c.resident) killImmediately = c.healthy - minHealthy + 1;
    else maxCapacity += 1;
  }
  if (instances < c.current) killImmediately = Math.max(c.current - instances, killImmediately);
  return { minHealthy, maxCapacity, killImmediately };
}

/** What a kill decision looks at for one task. */
export interface KillCandidate {
  id: string;
  startedAt: number;
  health: Health | 'unreachable';
}

const RANK: Record<KillCandidate['health'], number> = { unreachable: 0, unhealthy: 1, unknown: 2, healthy: 3 };

/**
 * The order Marathon kills tasks in when it has to kill some (scale down, replacement): those
 * that do not serve first (unreachable, unhealthy, not yet healthy), then by killSelection. A
 * replacement only puts the not healthy first (TaskReplaceActor's `toKillOrdered`: "we always
 * prefer to kill unhealthy tasks first"), the rest in no set order: the model uses killSelection there too.
 */
export function killOrder<T extends KillCandidate>(tasks: readonly T[], selection: KillSelection): T[] {
  return [...tasks].sort(
    (a, b) =>
      RANK[a.health] - RANK[b.health] || (selection === 'YOUNGEST_FIRST' ? b.startedAt - a.startedAt : a.startedAt - b.startedAt) || a.id.localeCompare(b.id),
  );
}

export interface UpgradeState {
  instances: number;
  budget: RestartBudget;
  /** Old-version instances not ordered to die yet, in the order to kill them. */
  old: readonly string[];
  /** Old-version instances ordered to die that have not exited yet. */
  oldDying: number;
  /** Old-version instances the deployment has ordered to die so far. */
  killsOrdered: number;
  /** New-version instances alive (launched, not terminal). */
  newActive: number;
  /** Of those, the ones healthy and ready. */
  newReady: number;
}

export interface UpgradeStep {
  kill: string[];
  launch: number;
  done: boolean;
}

/** The next step of a rolling replacement, from where it stands. */
export function upgradeStep(s: UpgradeState): UpgradeStep {
  const allowed = s.budget.killImmediately + s.newReady - s.killsOrdered;
  const kill = s.old.slice(0, Math.max(0, Math.min(allowed, s.old.length)));
  // A task ordered to die holds its place until it is gone.
  const oldAlive = s.old.length + s.oldDying;
  const launch = Math.max(0, Math.min(s.instances - s.newActive, s.budget.maxCapacity - oldAlive - s.newActive));
  const done = s.old.length === 0 && s.oldDying === 0 && s.newReady >= s.instances;
  return { kill, launch, done };
}
