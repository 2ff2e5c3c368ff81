/**
 * The API's request counts and metrics, apart from the API itself: the main thread's registry
 * (metrics.ts) counts with them without loading the HTTP stack the API thread runs.
 */

/** Adds one request to `counts`, by `method\troute\tstatus` (what the watcher's request counter reads). */
export function countRequest(counts: Map<string, number>, method: string, route: string, status: number): void {
  const key = `${method}\t${route}\t${status}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** What the API counts, and how it answers GET /metrics: the watcher's one registry, on whichever thread it lives. */
export interface ApiMetrics {
  count(method: string, route: string, status: number): void;
  text(): Promise<{ text: string; contentType: string }>;
}
