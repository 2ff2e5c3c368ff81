import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { cpuUs } from './lib';

export interface HttpFigures {
  rps: number;
  p50: number;
  p99: number;
  /** CPU the server process used per request (user + system): what other work on the machine moves least. */
  cpuUsPerRequest: number;
}

/** autocannon at 50 connections for `seconds` against `url`, served by process `pid`. */
export async function load(url: string, seconds: number, pid: number): Promise<HttpFigures> {
  const before = cpuUs(pid);
  const r = await autocannon({ url, connections: 50, duration: seconds, pipelining: 1 });
  const cpuUsPerRequest = (cpuUs(pid) - before) / Math.max(1, r.requests.total);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpuUsPerRequest };
}

/**
 * A bare node:http server answering every request with `body` at `path` of its URL: the baseline
 * of the watcher's and the node API's figures. In its own process, like them, so it does not share
 * a CPU with the load generator. `closeEach`: every answer closes its connection (as the node API's
 * clients, HAProxy's checks, connect each time).
 */
export async function bareServer(body: string, path: string, o: { closeEach?: boolean } = {}): Promise<{ url: string; pid: number; close(): void }> {
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...(o.closeEach ? { Connection: 'close' } : {}),
  };
  const script = `const http = require('node:http'); const body = Buffer.from(process.env.BODY); const headers = JSON.parse(process.env.HEADERS);
    const s = http.createServer((q, r) => { r.writeHead(200, headers); r.end(body); });
    s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));`;
  const child = spawn(process.execPath, ['-e', script], { env: { BODY: body, HEADERS: JSON.stringify(headers) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    child.once('exit', () => reject(new Error('bare server exited')));
  });
  return { url: `http://127.0.0.1:${port}${path}`, pid: child.pid!, close: () => child.kill('SIGKILL') };
}
