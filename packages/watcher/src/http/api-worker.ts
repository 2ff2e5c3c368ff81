import type { Address } from '@redis-zk/core';
// Core's modules one by one, not its index: the thread's bundle stays without the ZooKeeper and Redis clients.
import { closeServer, createLogger, listen, runThread, threadPort } from '@redis-zk/core/thread';
import type { WatcherView } from '../view';
import type { ApiThreadData, Question, QuestionArgs, ViewState } from './api-messages';
import { createApi } from './api';
import { liveness } from './probes';
import { countRequest } from './request-counts';

/** The thread's entry (scripts/bundle.mjs). */
export const startApiThread = (): void => runThread(serveApi);

/**
 * The HTTP API's thread (started by api-thread.ts). It serves from the view the main thread sends
 * it, and asks the main thread for what needs its connections (GET /status, GET /metrics).
 */
async function serveApi(): Promise<void> {
  const port = threadPort<ApiThreadData, ViewState>();
  const { data } = port;
  const log = createLogger('watcher', data.logLevel).child({ thread: 'http' });

  // Replaced, never mutated: the /sentinels fast path re-serializes only when the list changes.
  let sentinels: readonly Address[] = port.state().sentinels;
  let masters: ReadonlyMap<string, Address> = new Map(port.state().masters);
  port.onState((u) => {
    if (u.sentinels) sentinels = u.sentinels;
    if (u.masters) masters = new Map(u.masters);
  });
  const ask = <T>(question: Question, args: QuestionArgs = {}) => port.ask<T>(question, args);

  const view: WatcherView = {
    sentinels: () => sentinels,
    masters: () => masters,
    health: () => port.state().health,
    freshness: () => port.state().freshness,
    liveness: () => liveness(port.silentMs()),
    status: () => ask('status'),
    history: (name) => ask('history', { arg: name }),
  };
  // Counted here, kept in the main thread's one registry: sent along with every scrape.
  const httpCounts = new Map<string, number>();
  const listener = createApi(
    view,
    {
      count: (method, route, status) => countRequest(httpCounts, method, route, status),
      text: () => ask('metrics', { httpCounts: [...httpCounts] }),
    },
    log,
  );
  const server = await listen(listener, data.host, data.port, log);
  port.listening(() => closeServer(server));
}
