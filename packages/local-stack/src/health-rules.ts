/**
 * Marathon's health rules, as pure functions. A failure inside gracePeriodSeconds counts only once
 * the task has been healthy; past it, maxConsecutiveFailures consecutive failures kill the task.
 * 0 means two things: Marathon's own checks (HTTP, HTTPS, TCP) never kill ("ignore failures if
 * maxFailures == 0", core/health/impl/HealthCheckActor.scala), while a check Mesos runs (COMMAND,
 * MESOS_*) gets it as `consecutive_failures` and kills on the first failure
 * (`consecutiveFailures >= check.consecutive_failures()`, Mesos's src/checks/health_checker.cpp).
 * A task is healthy when every one of its checks last passed; with no checks, a running task
 * counts as healthy.
 */

export interface CheckState {
  consecutiveFailures: number;
  everHealthy: boolean;
  /** undefined until a result counts. */
  healthy: boolean | undefined;
  lastFailure?: string;
}

export const NEW_CHECK: CheckState = { consecutiveFailures: 0, everHealthy: false, healthy: undefined };

export interface CheckRules {
  gracePeriodMs: number;
  maxConsecutiveFailures: number;
  /** Run by Mesos on the agent (COMMAND, MESOS_*): 0 kills on the first failure. */
  byMesos?: boolean;
}
export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export function applyCheckResult(s: CheckState, r: CheckResult, rules: CheckRules, sinceStartMs: number): { state: CheckState; kill: boolean } {
  if (r.ok) return { state: { consecutiveFailures: 0, everHealthy: true, healthy: true }, kill: false };
  const lastFailure = r.detail ?? 'failed';
  if (!s.everHealthy && sinceStartMs < rules.gracePeriodMs) return { state: { ...s, lastFailure }, kill: false };
  const consecutiveFailures = s.consecutiveFailures + 1;
  return {
    state: { consecutiveFailures, everHealthy: s.everHealthy, healthy: false, lastFailure },
    kill: (rules.byMesos || rules.maxConsecutiveFailures > 0) && consecutiveFailures >= rules.maxConsecutiveFailures,
  };
}

export type Health = 'healthy' | 'unhealthy' | 'unknown';

export function taskHealth(checks: readonly CheckState[]): Health {
  if (checks.some((c) => c.healthy === false)) return 'unhealthy';
  return checks.every((c) => c.healthy === true) ? 'healthy' : 'unknown';
}

/** Marathon's HTTP health checks (and Mesos's) pass on 200-399. */
export const httpHealthy = (status: number): boolean => status >= 200 && status < 400;
