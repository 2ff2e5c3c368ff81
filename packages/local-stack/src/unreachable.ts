import type { UnreachableStrategy } from './app-definition';

export type UnreachableStage = 'unreachable' | 'inactive' | 'expunged';

/**
 * Where an unreachable task stands under its app's unreachableStrategy, `sinceMs` after Mesos
 * reported it unreachable: still counted (unreachable), replaced but remembered (inactive, from
 * inactiveAfterSeconds), or forgotten (expunged, from expungeAfterSeconds; killed if it comes
 * back). 'disabled': it stays unreachable. `ms` converts the strategy's seconds (the time scale).
 */
export function unreachableStage(sinceMs: number, strategy: UnreachableStrategy | 'disabled', ms: (seconds: number) => number): UnreachableStage {
  if (strategy === 'disabled') return 'unreachable';
  if (sinceMs >= ms(Math.max(strategy.expungeAfterSeconds, strategy.inactiveAfterSeconds))) return 'expunged';
  return sinceMs >= ms(strategy.inactiveAfterSeconds) ? 'inactive' : 'unreachable';
}
