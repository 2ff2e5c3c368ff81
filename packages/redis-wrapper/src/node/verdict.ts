/**
 * A check's answer, and the one part of /replica the API thread decides itself (the lag bound is
 * the request's). Imports nothing: the API thread's bundle includes it (see api/routes.ts).
 */
export interface Verdict {
  readonly ok: boolean;
  readonly reason: string;
}

export const ok = (reason: string): Verdict => ({ ok: true, reason });
export const no = (reason: string): Verdict => ({ ok: false, reason });

/** How far a replica is behind the set's master; Infinity when the master does not answer. */
export interface ReplicaLag {
  readonly bytes: number;
  readonly master: string;
}

/** A passing /replica verdict fails when the replica lags more than `maxLagBytes` (when given). */
export function withinLag(v: Verdict, lag: ReplicaLag | undefined, maxLagBytes: number | undefined): Verdict {
  if (!v.ok || maxLagBytes === undefined || !lag || lag.bytes <= maxLagBytes) return v;
  return no(`lags ${lag.bytes} bytes behind ${lag.master} (at most ${maxLagBytes})`);
}
