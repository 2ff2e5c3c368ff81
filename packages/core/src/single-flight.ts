/**
 * A costly read shared by its callers: while one computation per key is in flight every caller
 * gets it, and its answer (or failure) is reused until `ttlMs` after it started; so it runs at
 * most once per `ttlMs`, however many ask. For the watcher's /status and /history, which ask
 * every sentinel, every node and ZooKeeper.
 */
export class SingleFlight<K, V> {
  private readonly entries = new Map<K, { at: number; settled: boolean; value: Promise<V> }>();

  constructor(
    private readonly compute: (key: K) => Promise<V>,
    private readonly ttlMs: number,
    /** At most this many keys are remembered (the oldest goes first). */
    private readonly maxKeys = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: K): Promise<V> {
    const at = this.now();
    const hit = this.entries.get(key);
    if (hit && (!hit.settled || at - hit.at < this.ttlMs)) return hit.value;
    const entry = { at, settled: false, value: Promise.resolve().then(() => this.compute(key)) };
    const settle = () => {
      entry.settled = true;
    };
    entry.value.then(settle, settle);
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value as K);
    return entry.value;
  }
}
