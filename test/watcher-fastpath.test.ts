import test from 'ava';
import pino from 'pino';
import { createApp } from '../packages/watcher/src/http/app';
import { sentinelsFastPath } from '../packages/watcher/src/http/fast-sentinels';
import { listen } from '../packages/watcher/src/http/server';
import { createApiMetrics } from '../packages/watcher/src/metrics';
import type { WatcherView } from '../packages/watcher/src/state';

test('GET /sentinels answered before Koa: same bytes and headers as the route, counted, and current', async (t) => {
  let list = [
    { host: '10.0.0.1', port: 26379, extra: 'dropped' },
    { host: '10.0.0.2', port: 26380 },
  ];
  const view: WatcherView = {
    sentinels: () => list,
    masters: () => new Map(),
    health: () => ({ ok: true, zookeeper: true, following: null, reasons: [] }),
    freshness: () => ({ sentinelsLoaded: true, mastersLoaded: true, staleSince: null }),
    liveness: () => ({ ok: true, reason: 'test' }),
    status: async () => ({}),
    history: async () => null,
  };
  const metrics = createApiMetrics();
  const app = createApp(view, metrics, pino({ level: 'silent' }));
  const fast = await listen(app, '127.0.0.1', 0, sentinelsFastPath(view.sentinels, metrics));
  const slow = await listen(app, '127.0.0.1', 0);
  t.teardown(() => {
    fast.close();
    slow.close();
  });
  const url = (s: typeof fast, path = '/sentinels') => `http://127.0.0.1:${(s.address() as { port: number }).port}${path}`;

  const a = await fetch(url(fast));
  const b = await fetch(url(slow));
  t.is(a.status, 200);
  t.is(await a.text(), await b.text());
  for (const h of ['content-type', 'cache-control']) t.is(a.headers.get(h), b.headers.get(h), h);
  list = [{ host: '10.0.0.3', port: 1 } as (typeof list)[number]];
  t.deepEqual(await (await fetch(url(fast))).json(), [{ host: '10.0.0.3', port: 1 }], 'a new list is served at once');
  t.is((await fetch(url(fast, '/sentinels?x=1'))).status, 200, 'other forms go to Koa');
  t.is((await fetch(url(fast), { method: 'POST', body: 'x' })).status, 405);
  t.regex(await metrics.text(), /redis_zk_http_requests_total\{method="GET",route="\/sentinels",status="200"\} [4-9]/);
});
