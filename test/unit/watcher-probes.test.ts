import test from 'ava';
import { liveness, MAIN_THREAD_SILENCE_MS, readiness } from '../../packages/watcher/src/http/probes';
import type { Freshness, Health } from '../../packages/watcher/src/view';

const following = { host: '10.0.0.7', port: 26379 };
const health = (o: Partial<Health>): Health => ({ ok: true, zookeeper: true, following, reasons: [], ...o });

const readinessCases: Array<{ title: string; f: Freshness; h: Health; ok: boolean; says: RegExp }> = [
  { title: 'loaded and following', f: { sentinelsLoaded: true, mastersLoaded: true, staleSince: null }, h: health({}), ok: true, says: /loaded, following/ },
  {
    title: 'loaded, ZooKeeper away since, still following: ready (serves the last view)',
    f: { sentinelsLoaded: true, mastersLoaded: true, staleSince: '2024-01-01T00:00:00.000Z' },
    h: health({ ok: false, zookeeper: false }),
    ok: true,
    says: /away since 2024/,
  },
  {
    title: 'not loaded yet',
    f: { sentinelsLoaded: false, mastersLoaded: false, staleSince: null },
    h: health({}),
    ok: false,
    says: /not read from ZooKeeper yet/,
  },
  {
    title: 'loaded, following nobody',
    f: { sentinelsLoaded: true, mastersLoaded: true, staleSince: null },
    h: health({ following: null }),
    ok: false,
    says: /not following any sentinel/,
  },
  {
    title: 'the sentinels read, the masters not yet',
    f: { sentinelsLoaded: true, mastersLoaded: false, staleSince: null },
    h: health({}),
    ok: false,
    says: /^the masters not read from ZooKeeper yet$/,
  },
  {
    title: 'neither',
    f: { sentinelsLoaded: false, mastersLoaded: false, staleSince: null },
    h: health({ following: null }),
    ok: false,
    says: /yet; not following/,
  },
];

for (const c of readinessCases) {
  test(`watcher readiness: ${c.title}`, (t) => {
    const v = readiness(c.f, c.h);
    t.is(v.ok, c.ok);
    t.regex(v.reason, c.says);
  });
}

const livenessCases: Array<{ silentMs: number; ok: boolean }> = [
  { silentMs: 0, ok: true },
  { silentMs: 1500, ok: true },
  { silentMs: MAIN_THREAD_SILENCE_MS, ok: true },
  { silentMs: MAIN_THREAD_SILENCE_MS + 1, ok: false },
  { silentMs: 60000, ok: false },
];

for (const c of livenessCases) {
  test(`watcher liveness: main thread silent ${c.silentMs} ms → ${c.ok ? 'alive' : 'stuck'}`, (t) => {
    t.is(liveness(c.silentMs).ok, c.ok);
  });
}
