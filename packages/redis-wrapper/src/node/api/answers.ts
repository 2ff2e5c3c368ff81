import { performance } from 'node:perf_hooks';
import { primary, readiness, replicaCheck } from '../health';
import type { RoleView } from '../role-decide';
import type { TakenView } from '../role-loop';
import type { ReplicaLag, Verdict } from '../verdict';

/** What the API thread answers from: each check decided on the node loop's last view. */
export interface NodeAnswers {
  readonly primary: Verdict;
  /** Without a lag bound; the thread applies `?lag=` with `replicaLag`, both from one replicaCheck. */
  readonly replica: Verdict;
  readonly replicaLag?: ReplicaLag;
  readonly readiness: Verdict;
  readonly health: Verdict;
}

/** The state the API thread serves: the answers and how old their view was when sent (null before the first view). */
export interface NodeApiState {
  answers: NodeAnswers | null;
  viewAgeMs: number;
}

/**
 * The answers to a view. A redis-server slow to answer this tick (a slow command, a big save) is
 * taken as last answered, up to the sentinels' down-after, as Sentinel keeps a slow master for up:
 * a proxy does not cut a master's clients off over a stall Sentinel tolerates.
 */
export function nodeAnswers(v: TakenView): NodeAnswers {
  const slow = !v.local && v.slowLocal;
  const seen: RoleView = slow ? { ...v, local: slow.state } : v;
  const note = (x: Verdict): Verdict => (slow ? { ok: x.ok, reason: `${x.reason} (redis-server slow to answer: its last answer ${slow.agoMs} ms ago)` } : x);
  const replica = replicaCheck(seen);
  return {
    primary: note(primary(seen)),
    replica: note(replica.verdict),
    ...(replica.lag ? { replicaLag: replica.lag } : {}),
    readiness: note(readiness(seen, replica.verdict)),
    health: note(seen.local ? { ok: true, reason: `redis-server answers as ${seen.local.role}` } : { ok: false, reason: 'redis-server does not answer' }),
  };
}

/** The state to send for a view just taken (or none yet). */
export const apiState = (v: TakenView | undefined): NodeApiState => ({
  answers: v ? nodeAnswers(v) : null,
  viewAgeMs: v ? performance.now() - v.takenAt : 0,
});
