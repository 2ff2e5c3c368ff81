import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { FromHttpThread, HttpThreadData, ToHttpThread } from './thread-messages';

/** A question the main thread has not answered by then fails the request (a 503), not the thread. */
const ANSWER_TIMEOUT_MS = 10_000;

/**
 * The HTTP thread's side of thread-host.ts: the start data, the state as last sent, questions to
 * the main thread. Imports nothing but Node, so a thread's bundle stays small (no ZooKeeper or
 * Redis client): a thread's modules import core's files one by one, never its index.
 */
export interface ThreadPort<D, S> {
  readonly data: D;
  /** The state as last sent (replaced part by part, never mutated). */
  state(): S;
  /** Called after each update, with the parts that changed. */
  onState(listener: (update: Partial<S>) => void): void;
  /** How long since the main thread last sent anything (its sign of life). */
  silentMs(): number;
  ask<T>(question: string, args?: unknown): Promise<T>;
  /** Tells the main thread the server listens; `close` runs when it asks the thread to stop. */
  listening(close: () => Promise<void>): void;
}

export function threadPort<D, S>(): ThreadPort<D, S> {
  const port = parentPort;
  if (!port) throw new Error('threadPort: not started as a worker thread');
  const start = workerData as HttpThreadData<D, S>;
  let state = start.state;
  let heardAt = performance.now();
  const listeners: Array<(update: Partial<S>) => void> = [];
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  let nextId = 0;
  let close: (() => Promise<void>) | undefined;

  port.on('message', (m: ToHttpThread<S>) => {
    switch (m.type) {
      case 'state':
        heardAt = performance.now();
        state = { ...state, ...m.update };
        for (const l of listeners) l(m.update);
        break;
      case 'beat':
        heardAt = performance.now();
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
        void (close ? close() : Promise.resolve()).then(() => port.close());
        break;
    }
  });

  return {
    data: start.data,
    state: () => state,
    onState: (l) => listeners.push(l),
    silentMs: () => performance.now() - heardAt,
    ask: <T>(question: string, args?: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = ++nextId;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`no answer from the main thread to ${question} in ${ANSWER_TIMEOUT_MS} ms`));
        }, ANSWER_TIMEOUT_MS);
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        port.postMessage({ type: 'ask', id, question, ...(args === undefined ? {} : { args }) } satisfies FromHttpThread);
      }),
    listening: (c) => {
      close = c;
      port.postMessage({ type: 'listening' } satisfies FromHttpThread);
    },
  };
}

/** A thread's entry: a failure to start (a port in use, say) reaches thread-host.ts as the thread's error. */
export function runThread(run: () => Promise<void>): void {
  run().catch((err: unknown) =>
    setImmediate(() => {
      throw err;
    }),
  );
}
