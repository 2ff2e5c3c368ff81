import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { Address } from '@redis-zk/core';
// Core's modules one by one, not its index: the thread's bundle stays without the ZooKeeper and Redis clients.
import { createLogger } from '@redis-zk/core/dist/log';
import type { Freshness, Health, WatcherView } from '../view';
import type { ApiThreadData, FromApiThread, Question, ToApiThread } from './api-messages';
import { countRequest, createApi } from './api';
import { liveness } from './probes';
import { closeServer, listen } from './server';

/** A question the main thread has not answered by then fails the request (a 503), not the thread. */
const ANSWER_TIMEOUT_MS = 10_000;

/** The thread's entry: a failure to start (a port in use, say) reaches api-thread.ts as an error. */
export function startApiThread(): void {
  runApiThread().catch((err: unknown) =>
    setImmediate(() => {
      throw err;
    }),
  );
}

/**
 * The HTTP API's thread (started by api-thread.ts). It serves from the view the main thread sends
 * it, and asks the main thread for what needs its connections (GET /status, GET /metrics).
 */
export async function runApiThread(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('runApiThread: not started as a worker thread');
  const data = workerData as ApiThreadData;
  const log = createLogger('watcher', data.logLevel).child({ thread: 'http' });

  // Replaced, never mutated: the /sentinels fast path re-serializes only when the list changes.
  let sentinels: readonly Address[] = data.view.sentinels;
  let masters: ReadonlyMap<string, Address> = new Map(data.view.masters);
  let health: Health = data.view.health;
  let freshness: Freshness = data.view.freshness;
  let lastSignOfLife = performance.now();

  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  let nextId = 0;
  const ask = <T>(question: Question, extra: { arg?: string; httpCounts?: Array<[string, number]> } = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`no answer from the main thread to ${question} in ${ANSWER_TIMEOUT_MS} ms`));
      }, ANSWER_TIMEOUT_MS);
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      port.postMessage({ type: 'ask', id, question, ...extra } satisfies FromApiThread);
    });

  const view: WatcherView = {
    sentinels: () => sentinels,
    masters: () => masters,
    health: () => health,
    freshness: () => freshness,
    liveness: () => liveness(performance.now() - lastSignOfLife),
    status: () => ask('status'),
    history: (name) => ask('history', { arg: name }),
  };
  // Counted here, kept in the main thread's one registry: sent along with every scrape.
  const httpCounts = new Map<string, number>();
  const server = await listen(
    createApi(
      view,
      {
        count: (method, route, status) => countRequest(httpCounts, method, route, status),
        text: () => ask('metrics', { httpCounts: [...httpCounts] }),
      },
      log,
    ),
    data.host,
    data.port,
    log,
  );

  port.on('message', (m: ToApiThread) => {
    switch (m.type) {
      case 'view':
        lastSignOfLife = performance.now();
        if (m.update.sentinels) sentinels = m.update.sentinels;
        if (m.update.masters) masters = new Map(m.update.masters);
        if (m.update.health) health = m.update.health;
        if (m.update.freshness) freshness = m.update.freshness;
        break;
      case 'beat':
        lastSignOfLife = performance.now();
        break;
      case 'answer': {
        const w = waiting.get(m.id);
        if (!w) break; // answered after its timeout
        waiting.delete(m.id);
        clearTimeout(w.timer);
        if (m.error !== undefined) w.reject(new Error(m.error));
        else w.resolve(m.value);
        break;
      }
      case 'close':
        void closeServer(server).then(() => port.close());
        break;
    }
  });
  port.postMessage({ type: 'listening' } satisfies FromApiThread);
}
