/**
 * Runs inside one of the model's network namespaces (`ip netns exec <ns> node ns-helper.mjs`) and
 * makes connections from there for the model, which lives in the host's namespace: HTTP requests
 * and TCP probes (Marathon's checks, the tests' queries), and forwards from a Unix socket (which
 * crosses namespaces) to an address only reachable inside. Requests are JSON lines on stdin,
 * answers JSON lines on stdout, matched by id. Ends when stdin closes.
 *
 * Standalone on purpose (no imports but Node's): Node runs it directly, from src/ (type
 * stripping) or dist/.
 */
import http from 'node:http';
import net from 'node:net';
import readline from 'node:readline';

interface HttpRequest {
  id: number;
  op: 'http';
  url: string;
  timeoutMs: number;
}
interface TcpRequest {
  id: number;
  op: 'tcp';
  host: string;
  port: number;
  timeoutMs: number;
  send?: string;
}
interface ForwardRequest {
  id: number;
  op: 'forward';
  socketPath: string;
  host: string;
  port: number;
}
type Request = HttpRequest | TcpRequest | ForwardRequest;

const reply = (answer: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(answer)}\n`);
const BODY_LIMIT = 65536;

function doHttp(r: HttpRequest): void {
  let done = false;
  // A timer of its own: a socket's idle timeout does not cover a connect whose SYNs are dropped.
  const timer = setTimeout(() => {
    finish({ ok: false, error: `timed out after ${r.timeoutMs} ms` });
    req.destroy();
  }, r.timeoutMs);
  const finish = (answer: Record<string, unknown>) => {
    if (!done) {
      done = true;
      clearTimeout(timer);
      reply({ id: r.id, ...answer });
    }
  };
  // A new connection per request (no keep-alive), like a health check from outside.
  const req = http.get(r.url, { agent: false, headers: { connection: 'close' } }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (body.length < BODY_LIMIT) body += chunk;
    });
    res.on('end', () => finish({ ok: true, status: res.statusCode, body: body.slice(0, BODY_LIMIT) }));
    res.on('error', (err) => finish({ ok: false, error: String(err) }));
  });
  req.on('error', (err) => finish({ ok: false, error: err.message }));
}

function doTcp(r: TcpRequest): void {
  let done = false;
  let data = '';
  const timer = setTimeout(() => finish({ ok: false, error: `timed out after ${r.timeoutMs} ms` }), r.timeoutMs);
  const finish = (answer: Record<string, unknown>) => {
    if (!done) {
      done = true;
      clearTimeout(timer);
      socket.destroy();
      reply({ id: r.id, ...answer });
    }
  };
  const socket = net.connect({ host: r.host, port: r.port });
  socket.on('connect', () => {
    if (r.send === undefined) finish({ ok: true, data: '' });
    else socket.write(r.send);
  });
  socket.on('data', (d) => {
    data += d.toString('utf8');
  });
  socket.on('end', () => finish({ ok: true, data }));
  socket.on('close', () => finish({ ok: true, data }));
  socket.on('error', (err) => finish({ ok: false, error: err.message }));
}

const forwards: net.Server[] = [];

function doForward(r: ForwardRequest): void {
  const server = net.createServer((inbound) => {
    const outbound = net.connect({ host: r.host, port: r.port });
    inbound.pipe(outbound).pipe(inbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    for (const side of [inbound, outbound]) side.on('error', end).on('close', end);
  });
  server.on('error', (err) => reply({ id: r.id, ok: false, error: err.message }));
  server.listen(r.socketPath, () => {
    forwards.push(server);
    reply({ id: r.id, ok: true });
  });
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let r: Request;
  try {
    r = JSON.parse(line) as Request;
  } catch {
    return;
  }
  if (r.op === 'http') doHttp(r);
  else if (r.op === 'tcp') doTcp(r);
  else if (r.op === 'forward') doForward(r);
});
lines.on('close', () => {
  for (const s of forwards) s.close();
  process.exit(0);
});
