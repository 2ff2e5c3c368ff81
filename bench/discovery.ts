import http from 'node:http';
import autocannon from 'autocannon';

export interface HttpFigures { rps: number; p50: number; p99: number }

/** autocannon at 50 connections for `seconds` against `url`. */
export async function load(url: string, seconds: number): Promise<HttpFigures> {
  const r = await autocannon({ url, connections: 50, duration: seconds, pipelining: 1 });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

/** A bare node:http server answering every request with `body`: the baseline. */
export async function bareServer(body: string): Promise<{ url: string; close(): void }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/sentinels`, close: () => server.close() };
}
