/**
 * Marathon's health rules, as pure functions. A failure inside gracePeriodSeconds counts only once
 * the task has been healthy; past it, maxConsecutiveFailures consecutive failures (0: never) kill
 * the task. A task is healthy when every one of its checks last passed; with no checks, a running
 * task counts as healthy.
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
    kill: rules.maxConsecutiveFailures > 0 && consecutiveFailures >= rules.maxConsecutiveFailures,
  };
}

export type Health = 'healthy' | 'unhealthy' | 'unknown';

export function taskHealth(checks: readonly CheckState[]): Health {
  if (checks.some((c) => c.healthy === false)) return 'unhealthy';
  return checks.every((c) => c.healthy === true) ? 'healthy' : 'unknown';
}

/** Marathon's HTTP health checks (and Mesos's) pass on 200-399. */
export const httpHealthy = (status: number): boolean => status >= 200 && status < 400;
