// How long a tick of the node loop waits for its answers, and how long the write pause it sets lasts.

/** A tick's ZooKeeper read and sentinel answers wait at most this (half a tick, within 0.2-1 s)... */
export const probeTimeoutFor = (intervalMs: number): number => Math.min(1000, Math.max(200, Math.round(intervalMs / 2)));
/**
 * ...and a cut-off master's write pause lasts this, renewed every tick while it is cut off: it
 * outlasts the next tick (interval + probes) with room to spare, and expires by itself when the
 * wrapper is frozen or gone (then min-replicas-max-lag is the backstop).
 */
export const writePauseFor = (intervalMs: number): number => 2 * intervalMs + 2 * probeTimeoutFor(intervalMs);
