import type { Freshness, Health, Verdict } from '../view';

/**
 * The watcher's answers to Marathon, as pure functions (case tables in
 * test/unit/watcher-probes.test.ts). Liveness is what Marathon's health check uses: it fails only
 * when the process itself is stuck, never because ZooKeeper or Sentinel is away (a watcher killed
 * for that comes back without the list it was serving). Readiness gates a deployment: a new
 * watcher counts once it has something true to serve.
 */

/** The main thread sends a sign of life every second; this much silence means it is stuck. */
export const MAIN_THREAD_SILENCE_MS = 10_000;

export function liveness(mainThreadSilentMs: number): Verdict {
  return mainThreadSilentMs <= MAIN_THREAD_SILENCE_MS
    ? { ok: true, reason: 'the HTTP thread answers and the main thread is running' }
    : { ok: false, reason: `no sign of life from the main thread for ${Math.round(mainThreadSilentMs)} ms` };
}

/** Ready: the ZooKeeper view was loaded (sentinels and masters) and a sentinel is followed. */
export function readiness(f: Freshness, h: Health): Verdict {
  const missing: string[] = [];
  const unread = [...(f.sentinelsLoaded ? [] : ['the sentinel list']), ...(f.mastersLoaded ? [] : ['the masters'])];
  if (unread.length > 0) missing.push(`${unread.join(' and ')} not read from ZooKeeper yet`);
  if (!h.following) missing.push('not following any sentinel');
  if (missing.length > 0) return { ok: false, reason: missing.join('; ') };
  return {
    ok: true,
    reason: f.staleSince ? `serving the view last read from ZooKeeper (away since ${f.staleSince})` : 'ZooKeeper view loaded, following a sentinel',
  };
}

/** Discovery (`/sentinels`, `/masters`…) answers from the view once loaded; before that a 503, never an empty list. */
export const notLoaded = { error: 'not loaded from ZooKeeper yet: ask another watcher or retry' } as const;
