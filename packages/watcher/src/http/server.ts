import http from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
// Core's address module only, not its index: the API thread's bundle stays without the clients.
import { formatAddress } from '@redis-zk/core/dist/address';

/** Answers some requests before Koa; returns false to let Koa answer. */
export type FastPath = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

/**
 * Serves `app` on host:port; resolves once listening, rejects (naming host:port) when it cannot.
 * The limits keep slow or oversized clients from holding connections or memory: Node's defaults
 * (60 s for headers, 5 min per request, 16 KiB of headers) are far more patient than an API
 * answering from memory needs to be.
 */
export async function listen(app: Koa, host: string, port: number, fastPath?: FastPath): Promise<http.Server> {
  const handle = app.callback();
  const server = http.createServer(
    {
      maxHeaderSize: 16 * 1024, // request line included: a 100 KiB URL is refused with a 431
      // Node only enforces the timeouts below when it sweeps its connections (every 30 s by
      // default), which would let a stalled client linger three times longer than intended.
      connectionsCheckingInterval: 2000,
    },
    fastPath
      ? (req, res) => {
          if (!fastPath(req, res)) void handle(req, res);
        }
      : handle,
  );
  // At most this many headers are parsed per request (Node's default, 2000, is for proxies).
  server.maxHeadersCount = 100;
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  answerClientErrorsAsJson(server);
  // An unhandled server 'error' would crash the process (accept() failing with EMFILE, say):
  // hand it to the app's error listener, which logs it.
  const onError = (err: Error) => app.emit('error', err);

  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => reject(new Error(`cannot listen for HTTP on ${formatAddress({ host, port })}: ${err.message}`, { cause: err }));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      server.on('error', onError);
      resolve();
    });
  });
  return server;
}

/**
 * Requests Node's parser rejects (garbage, oversized headers, header timeouts) never reach Koa.
 * Node's own answer is an empty-bodied 400/431/408; this gives the same statuses with the API's
 * JSON error body, and like Node, stays silent when a response on that connection is under way
 * (writing into it would corrupt what the client is reading).
 */
function answerClientErrorsAsJson(server: http.Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (socket.writable && !responseUnderWay(socket) && err.code !== 'ECONNRESET') {
      const [status, message] = clientErrorStatus(err.code);
      const body = JSON.stringify({ error: message });
      // end(), not write() + destroy(): destroy() drops whatever is not flushed yet, and under
      // load that is the whole answer.
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
      );
      setTimeout(() => socket.destroy(), 1000).unref(); // a client that never reads
      return;
    }
    socket.destroy();
  });
}

/**
 * Whether a response is being written on this connection (Node keeps it as the socket's
 * `_httpMessage`, and its own default clientError handler checks the same): writing an error
 * into it would corrupt what the client is reading.
 */
function responseUnderWay(socket: Duplex): boolean {
  return !!(socket as Duplex & { _httpMessage?: unknown })._httpMessage;
}

function clientErrorStatus(code: string | undefined): [number, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'request headers too large'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'chunk extensions too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request timeout'];
    default:
      return [400, 'bad request'];
  }
}
