import type http from 'node:http';
import type { Address } from '@redis-zk/core';
import { hostPort } from '@redis-zk/core/dist/address'; // not the index: see server.ts
import type { ApiMetrics } from '../metrics';

/**
 * `GET /sentinels` is what every client asks, often: it is answered before Koa, from bytes
 * serialized once per change of the sentinel list (the list is replaced, never mutated, when
 * ZooKeeper changes). Same body, headers and metrics as the Koa route, which still serves any
 * other form of the request (HEAD, a query string, a body), and answers while the list is not
 * loaded yet.
 */
export function sentinelsFastPath(sentinels: () => readonly Address[], metrics: ApiMetrics, loaded: () => boolean = () => true) {
  let cachedFor: readonly Address[] | undefined;
  let body = Buffer.alloc(0);
  const counter = metrics.httpRequests.labels({ method: 'GET', route: '/sentinels', status: '200' });
  return (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    if (req.method !== 'GET' || req.url !== '/sentinels' || req.headers['content-length'] || req.headers['transfer-encoding']) return false;
    if (!loaded()) return false; // Koa's route answers the 503
    const list = sentinels();
    if (list !== cachedFor) {
      body = Buffer.from(JSON.stringify(list.map(hostPort)));
      cachedFor = list;
    }
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
    res.end(body);
    counter.inc();
    return true;
  };
}
