import type http from 'node:http';
// Core's modules one by one, not its index: the thread's bundle stays without the ZooKeeper and Redis clients.
import { closeServer, createLogger, listen, runThread, threadPort } from '@redis-zk/core/thread';
import type { NodeApiState } from './answers';
import { nodeRoutes } from './routes';

export interface NodeApiThreadData {
  hosts: string[];
  port: number;
  logLevel: string;
  maxViewAgeMs: number;
  /** The main thread's log context (the set, the node). */
  context: Record<string, unknown>;
}

/** The thread's entry (scripts/bundle.mjs). */
export const startNodeApiThread = (): void => runThread(serveNodeApi);

/** The node API's thread (started by thread.ts): serves the answers the main thread sends after each view. */
async function serveNodeApi(): Promise<void> {
  const port = threadPort<NodeApiThreadData, NodeApiState>();
  const { data } = port;
  const log = createLogger('redis-wrapper', data.logLevel).child({ ...data.context, thread: 'http' });
  const app = nodeRoutes({
    // The main thread sends state after every view and nothing else: its silence is the time since this view arrived.
    answers: () => ({ answers: port.state().answers, ageMs: port.state().viewAgeMs + port.silentMs() }),
    maxViewAgeMs: data.maxViewAgeMs,
    metrics: () => port.ask('metrics'),
  });
  // Only what fails outside the routes reaches here (a client gone mid-answer, a route that threw: Koa's 500);
  // listening also keeps Koa from printing it to stderr.
  app.on('error', (err: unknown) => log.warn({ err }, 'node API answer failed'));
  const handler = app.callback();
  const servers: http.Server[] = [];
  try {
    for (const host of data.hosts) servers.push(await listen(handler, host, data.port, log, 'node API'));
  } catch (err) {
    await Promise.all(servers.map((s) => closeServer(s)));
    throw err;
  }
  port.listening(async () => {
    await Promise.all(servers.map((s) => closeServer(s)));
  });
}
