import http from 'node:http';
import { formatAddress } from '../address';
import type { Logger } from '../log';

/** Open connections one HTTP server keeps; Marathon's checks, HAProxy and clients need far fewer. */
export const MAX_CONNECTIONS = 512;

/**
 * Serves `api` on host:port; resolves once listening, rejects (naming `what` and host:port) when it cannot.
 * The limits keep slow or oversized clients from holding connections or memory: Node's defaults
 * (60 s for headers, 5 min per request, 16 KiB of headers) are far more patient than an API
 * answering from memory needs to be. Requests Node's parser rejects (garbage, oversized headers,
 * a header timeout) get Node's own empty-bodied 400, 431 or 408 and never reach the API.
 */
export async function listen(api: http.RequestListener, host: string, port: number, log: Logger, what = 'the HTTP API'): Promise<http.Server> {
  const server = http.createServer(
    {
      maxHeaderSize: 16 * 1024, // request line included: a 100 KiB URL is refused with a 431
      // Node only enforces the timeouts below when it sweeps its connections (every 30 s by
      // default), which would let a stalled client linger three times longer than intended.
      connectionsCheckingInterval: 2000,
    },
    api,
  );
  // At most this many headers are parsed per request (Node's default, 2000, is for proxies).
  server.maxHeadersCount = 100;
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  // Connections past this are closed at once: a flood cannot take the process's file descriptors.
  server.maxConnections = MAX_CONNECTIONS;

  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => reject(new Error(`${what} cannot listen on ${formatAddress({ host, port })}: ${err.message}`, { cause: err }));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      // Unhandled, a later 'error' (accept() failing with EMFILE, say) would crash the process.
      server.on('error', (err) => log.error({ err, reason: `${what} failed` }, 'HTTP server error'));
      resolve();
    });
  });
  return server;
}

/** Stops accepting, lets answers under way finish (at most `graceMs`), then drops what is left. */
export async function closeServer(server: http.Server, graceMs = 2000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}
