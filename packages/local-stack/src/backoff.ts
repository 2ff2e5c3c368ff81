import type { AppDefinition } from './app-definition';

/**
 * Marathon's launch delay for an app whose tasks fail (core/launchqueue/impl/RateLimiter.scala and
 * core/task/update/impl/steps/NotifyRateLimiterStepImpl.scala, Marathon 1.10), as pure functions:
 *
 * - A task that ends FAILED, FINISHED, ERROR, GONE or DROPPED (`limitWorthy`) adds a delay: the
 *   first backoffSeconds, each further one × backoffFactor, at most maxLaunchDelaySeconds
 *   (`Delay.increased`). A KILLED task (Marathon's kill, a health-check kill, a deployment's) adds none.
 * - A task that starts running (`advanceWorthy`) moves the delay's reference time to now.
 * - A delay whose reference time is more than maxLaunchDelaySeconds old is dropped
 *   (`cleanUpOverdueDelays`): the next failure starts from backoffSeconds again.
 * - A restart or an upgrade drops it too (TaskReplaceActor: `launchQueue.resetDelay`).
 */
export type Backoff = Pick<AppDefinition, 'backoffSeconds' | 'backoffFactor' | 'maxLaunchDelaySeconds'>;

export interface LaunchDelay {
  /** The current delay, seconds of the definition. */
  seconds: number;
  /** When it was last set or advanced (ms, the model's clock). */
  since: number;
}

/** Whether the delay is dropped by now (`ms` turns the definition's seconds into the model's milliseconds). */
export function delayOverdue(d: LaunchDelay | undefined, b: Backoff, now: number, ms: (s: number) => number): boolean {
  return d !== undefined && now > d.since + ms(b.maxLaunchDelaySeconds);
}

/** The delay after a task failed at `now`. */
export function delayAfterFailure(d: LaunchDelay | undefined, b: Backoff, now: number, ms: (s: number) => number): LaunchDelay {
  if (d === undefined || delayOverdue(d, b, now, ms)) return { seconds: Math.min(b.backoffSeconds, b.maxLaunchDelaySeconds), since: now };
  return { seconds: Math.min(d.seconds * b.backoffFactor, b.maxLaunchDelaySeconds), since: now };
}

/** A task of the app started running at `now`. */
export const delayAdvanced = (d: LaunchDelay | undefined, now: number): LaunchDelay | undefined => (d ? { ...d, since: now } : undefined);

/** No launch before this (ms). */
export const launchNotBefore = (d: LaunchDelay | undefined, ms: (s: number) => number): number => (d ? d.since + ms(d.seconds) : 0);
