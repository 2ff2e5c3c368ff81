import { type Address, formatAddress, parseAddress, sameAddress } from '../address';

/**
 * What a running switchover keeps in ZooKeeper (`handovers/<set>/h-<seq>`, ephemeral: it lives as
 * long as the session of whoever runs the switchover): the replicas it makes ineligible and the
 * replica-priority each had. Written before any priority is changed, so that each of those
 * replicas' own node loop can give the priority back once the switchover is over or its owner is
 * gone (a CLI killed, a dropped SSH session).
 */
export interface HandoverClaim {
  /** Who runs it (`redis-zk cli on host`, `redis-wrapper 10.0.0.1:31001`). */
  readonly by: string;
  readonly at: number;
  readonly excluded: readonly { readonly address: Address; readonly priority: number }[];
}

export const formatHandoverClaim = (c: HandoverClaim): string =>
  JSON.stringify({ by: c.by, at: c.at, excluded: c.excluded.map((e) => ({ address: formatAddress(e.address), priority: e.priority })) });

/** The largest replica-priority Redis takes (an int). */
const MAX_PRIORITY = 2 ** 31 - 1;

/** A claim read back from ZooKeeper; null when it is not one (junk is never trusted). */
export function parseHandoverClaim(text: string): HandoverClaim | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!raw || typeof raw !== 'object') return null;
  const { by, at, excluded } = raw as Record<string, unknown>;
  if (typeof by !== 'string' || typeof at !== 'number' || !Number.isFinite(at) || !Array.isArray(excluded) || excluded.length > 1000) return null;
  const entries: Array<{ address: Address; priority: number }> = [];
  for (const e of excluded as unknown[]) {
    const { address, priority } = (e ?? {}) as Record<string, unknown>;
    const parsed = typeof address === 'string' ? parseAddress(address) : null;
    if (!parsed || typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1 || priority > MAX_PRIORITY) return null;
    entries.push({ address: parsed, priority });
  }
  return { by: by.slice(0, 200), at, excluded: entries };
}

export type PriorityDecision =
  | { readonly kind: 'none' }
  /** A running switchover made this node ineligible: remember what to give back. */
  | { readonly kind: 'remember'; readonly priority: number; readonly by: string }
  /** The switchover that made it ineligible is over (or its owner gone) and left it at 0: give it back. */
  | { readonly kind: 'restore'; readonly priority: number; readonly reason: string };

/**
 * A replica's own check of its replica-priority (pure): against the running switchovers, and
 * against its tags (`configured`: replicaPriorityOf, 0 for a never-promote node). It gives back
 * only a priority a switchover recorded taking from it (an operator's own 0 is left alone), and
 * a never-promote node is held at 0 whatever set it otherwise (a restore, an operator).
 *
 * | live | configured | claims (ZooKeeper)        | remembered | decision                  |
 * |------|------------|---------------------------|------------|---------------------------|
 * | > 0  | 0          | any                       | any        | restore 0 (never-promote) |
 * | > 0  | > 0        | any                       | any        | none (forget)             |
 * | 0    | any        | unreadable                | any        | none (keep remembered)    |
 * | 0    | any        | one lists this node at p  | any        | remember p                |
 * | 0    | 0          | none lists this node      | any        | none (0 is its own)       |
 * | 0    | > 0        | none lists this node      | p          | restore p                 |
 * | 0    | > 0        | none lists this node      | none       | none (not a switchover's) |
 */
export function decidePriority(
  self: Address,
  live: number,
  claims: readonly HandoverClaim[] | null,
  remembered: number | undefined,
  configured?: number,
): PriorityDecision {
  if (configured === 0 && live !== 0) {
    return { kind: 'restore', priority: 0, reason: `this node is never-promote (NEVER_PROMOTE=yes) and its replica-priority was ${live}` };
  }
  if (live !== 0 || claims === null) return { kind: 'none' };
  for (const c of claims) {
    const mine = c.excluded.find((e) => sameAddress(e.address, self));
    if (mine) return { kind: 'remember', priority: mine.priority, by: c.by };
  }
  if (remembered === undefined || configured === 0) return { kind: 'none' };
  return {
    kind: 'restore',
    priority: remembered,
    reason: 'the switchover that made this replica ineligible (replica-priority 0) is over or its owner is gone, and left it at 0',
  };
}
