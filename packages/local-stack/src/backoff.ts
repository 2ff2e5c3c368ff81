import type { AppDefinition } from './app-definition';

/**
 * Marathon's launch delay for an app whose tasks fail: the first failure delays the next launch
 * by backoffSeconds, each further one multiplies the delay by backoffFactor, up to
 * maxLaunchDelaySeconds. A task that ran long enough counts as a good run and starts the series
 * over (so does a new version of the app: the model drops the state then).
 */
export type Backoff = Pick<AppDefinition, 'backoffSeconds' | 'backoffFactor' | 'maxLaunchDelaySeconds'>;

/** The delay, in seconds, after a failure; `previous` is the delay the last failure got. */
export function nextLaunchDelay(previous: number | undefined, b: Backoff, ranLongEnough: boolean): number {
  if (previous === undefined || ranLongEnough) return Math.min(b.backoffSeconds, b.maxLaunchDelaySeconds);
  return Math.min(previous * b.backoffFactor, b.maxLaunchDelaySeconds);
}
