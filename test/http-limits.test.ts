import net from 'node:net';
import test from 'ava';
import pino from 'pino';
import { closeServer, listen, MAX_CONNECTIONS } from '../packages/core/src/http/server';
import { waitFor } from './helpers/wait';
import './helpers/exit-guard'; // fails this file if its worker outlives its tests

// The connection limit every HTTP server of redis-zk has (the watcher's API, the node API).
test(`a server keeps at most ${MAX_CONNECTIONS} connections open; the ones past it are closed at once, and it serves again after`, async (t) => {
  const server = await listen((_req, res) => res.end('ok'), '127.0.0.1', 0, pino({ level: 'silent' }));
  t.teardown(() => closeServer(server, 100));
  const { port } = server.address() as net.AddressInfo;
  const sockets: net.Socket[] = [];
  t.teardown(() => {
    for (const s of sockets) s.destroy();
  });
  const open = () =>
    new Promise<{ socket: net.Socket; closedByServer: Promise<boolean> }>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve({ socket, closedByServer }));
      const closedByServer = new Promise<boolean>((done) => {
        socket.once('close', () => done(true));
        // A bound, not a speed: the server shares this loaded process (CI: 2 s was not enough once).
        setTimeout(() => done(false), 15_000).unref();
      });
      socket.once('error', () => undefined);
      socket.once('error', reject);
      sockets.push(socket);
    });
  const first = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, open));
  const extra = await Promise.all(Array.from({ length: 5 }, open));
  t.deepEqual(await Promise.all(extra.map((e) => e.closedByServer)), [true, true, true, true, true], 'past the limit: closed');
  for (const f of first.slice(0, 10)) f.socket.destroy();
  const connections = () => new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  await waitFor('the server to see connections closed', async () => (await connections()) < MAX_CONNECTIONS, 5000, 20);
  const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
  t.is(await res.text(), 'ok', 'serves once connections are free again');
});
