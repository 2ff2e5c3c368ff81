import { Worker } from 'node:worker_threads';
import type { Logger } from '@redis-zk/core';
import { hostPort } from '@redis-zk/core/dist/address';
import type { Metrics } from '../metrics';
import type { WatcherView } from '../view';
import type { ApiThreadData, FromApiThread, Question, ToApiThread, ViewUpdate } from './api-messages';

export interface ApiThreadOptions {
  /** The thread's file: dist/api-thread.js (scripts/bundle.mjs), beside the program's bundle. */
  entry: string;
  host: string;
  port: number;
  logLevel: string;
  /** The main thread's view; what the API serves is a copy, sent whenever it changes. */
  view: WatcherView;
  /** The watcher's one registry: the thread's request counts are copied into it when scraped. */
  metrics: Metrics;
  log: Logger;
}

/**
 * Under sustained load V8 grows an isolate's young generation to its default maximum and keeps
 * it: ~20 MB more resident memory for this thread, with the Marathon app at 128 MB. Its requests
 * allocate little that survives, so a small young generation costs no measurable throughput.
 */
const THREAD_YOUNG_GENERATION_MB = 6;

/** What a worker throws reaches this thread as a structured copy: made a plain Error again. */
const asError = (x: unknown): Error => new Error(typeof x === 'object' && x !== null && 'message' in x ? String(x.message) : String(x));

/**
 * The HTTP API on a thread of its own. Why: `GET /sentinels` is the one request clients make
 * often, and in the main thread its hot path (Node's sockets and streams) was compiled by V8 for
 * the ZooKeeper and Redis connections as well; after a few failovers the same requests cost about
 * half as much CPU again as in a fresh process. A thread of its own keeps that code specialised
 * for HTTP, and keeps a burst of HTTP requests from queueing ahead of a failover on the main
 * thread's event loop.
 */
export class ApiThread {
  /** Each part of the view as last sent, serialized: what publish() compares with. */
  private sent: Record<keyof ViewUpdate, string> = { sentinels: '', masters: '', health: '', freshness: '' };
  private closing = false;
  private readonly exited: Promise<unknown>;
  /** Resolves with why the thread stopped, if it stops without close(). */
  readonly failed: Promise<Error>;

  private constructor(
    private readonly worker: Worker,
    private readonly o: ApiThreadOptions,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', resolve));
    this.failed = new Promise((resolve) => {
      worker.on('error', (err) => {
        if (!this.closing) resolve(asError(err));
      });
      worker.on('exit', (code) => {
        if (!this.closing) resolve(new Error(`the HTTP API thread exited (code ${code})`));
      });
    });
    worker.on('message', (m: FromApiThread) => {
      if (m.type === 'ask') void this.answer(m);
    });
  }

  /** Resolves once the API listens; rejects with the thread's error (a port in use, say). */
  static async start(o: ApiThreadOptions): Promise<ApiThread> {
    const view = ApiThread.snapshot(o.view);
    const workerData: ApiThreadData = { host: o.host, port: o.port, logLevel: o.logLevel, view };
    const worker = new Worker(o.entry, { workerData, resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB } });
    await new Promise<void>((resolve, reject) => {
      const failed = (err: unknown) => {
        worker.off('message', listening);
        reject(asError(err));
      };
      const exited = (code: number) => failed(new Error(`the HTTP API thread exited (code ${code}) before listening`));
      const listening = (m: FromApiThread) => {
        if (m.type !== 'listening') return;
        worker.off('error', failed).off('exit', exited).off('message', listening);
        resolve();
      };
      worker.on('message', listening).once('error', failed).once('exit', exited);
    });
    const api = new ApiThread(worker, o);
    api.changed(view); // sent as workerData
    return api;
  }

  /** Sends the parts of the view that changed since the last call, else a sign of life (cheap either way). */
  publish(): void {
    const update = this.changed(ApiThread.snapshot(this.o.view));
    this.post(update ? { type: 'view', update } : { type: 'beat' });
  }

  /** Stops accepting, lets answers under way finish (bounded), then ends the thread. */
  async close(graceMs = 2000): Promise<void> {
    this.closing = true;
    this.post({ type: 'close' });
    const timer = setTimeout(() => void this.worker.terminate(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private static snapshot(view: WatcherView): Required<ViewUpdate> {
    return {
      sentinels: view.sentinels().map(hostPort),
      masters: [...view.masters()].map(([name, a]) => [name, hostPort(a)]),
      health: view.health(),
      freshness: view.freshness(),
    };
  }

  /** The parts of `now` that differ from what was last sent, now remembered as sent; null if none. */
  private changed(now: Required<ViewUpdate>): ViewUpdate | null {
    const update: ViewUpdate = {};
    for (const part of ['sentinels', 'masters', 'health', 'freshness'] as const) {
      const serialized = JSON.stringify(now[part]);
      if (serialized === this.sent[part]) continue;
      this.sent[part] = serialized;
      Object.assign(update, { [part]: now[part] });
    }
    return Object.keys(update).length > 0 ? update : null;
  }

  private async answer(m: Extract<FromApiThread, { type: 'ask' }>): Promise<void> {
    try {
      this.post({ type: 'answer', id: m.id, value: await this.value(m.question, m) });
    } catch (err) {
      this.post({ type: 'answer', id: m.id, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private async value(question: Question, m: { arg?: string; httpCounts?: Array<[string, number]> }): Promise<unknown> {
    if (question === 'status') return this.o.view.status();
    if (question === 'history') return this.o.view.history(m.arg ?? '');
    const counts = this.o.metrics.httpCounts;
    counts.clear();
    for (const [key, n] of m.httpCounts ?? []) counts.set(key, n);
    return { text: await this.o.metrics.registry.metrics(), contentType: this.o.metrics.registry.contentType };
  }

  private post(m: ToApiThread): void {
    try {
      this.worker.postMessage(m);
    } catch (err) {
      this.o.log.debug({ err: String(err) }, 'HTTP API thread gone; message dropped');
    }
  }
}
