import { HttpThread, type Logger } from '@redis-zk/core';
import { hostPort } from '@redis-zk/core/thread';
import type { Metrics } from '../metrics';
import type { WatcherView } from '../view';
import type { ApiThreadData, QuestionArgs, ViewState } from './api-messages';

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

/** The API thread's young generation (see HttpThreadOptions): the Marathon app has 128 MB. */
const THREAD_YOUNG_GENERATION_MB = 6;

/**
 * The watcher's HTTP API on a thread of its own (core's HttpThread). Why: `GET /sentinels` is the
 * one request clients make often; in the main thread its hot path (Node's sockets and streams) was
 * compiled by V8 for the ZooKeeper and Redis connections as well, and after a few failovers the
 * same requests cost about half as much CPU again as in a fresh process. The thread also keeps a
 * burst of HTTP requests from queueing ahead of a failover on the main thread's event loop.
 */
export class ApiThread {
  /** Each part of the view as last sent, serialized: what publish() compares with. */
  private sent: Record<keyof ViewState, string> = { sentinels: '', masters: '', health: '', freshness: '' };

  private constructor(
    private readonly thread: HttpThread<ViewState>,
    private readonly o: ApiThreadOptions,
  ) {}

  /** Resolves with why the thread stopped, if it stops without close(). */
  get failed(): Promise<Error> {
    return this.thread.failed;
  }

  /** Resolves once the API listens; rejects with the thread's error (a port in use, say). */
  static async start(o: ApiThreadOptions): Promise<ApiThread> {
    const state = ApiThread.snapshot(o.view);
    const data: ApiThreadData = { host: o.host, port: o.port, logLevel: o.logLevel };
    let api: ApiThread | undefined;
    const thread = await HttpThread.start<ApiThreadData, ViewState>({
      entry: o.entry,
      data,
      state,
      youngGenerationMb: THREAD_YOUNG_GENERATION_MB,
      answer: (question, args) => api?.value(question, (args ?? {}) as QuestionArgs),
      log: o.log,
    });
    api = new ApiThread(thread, o);
    api.changed(state); // sent as the start state
    return api;
  }

  /** Sends the parts of the view that changed since the last call, else a sign of life (cheap either way). */
  publish(): void {
    this.thread.send(this.changed(ApiThread.snapshot(this.o.view)));
  }

  /** Stops accepting, lets answers under way finish (bounded), then ends the thread. */
  close(graceMs = 2000): Promise<void> {
    return this.thread.close(graceMs);
  }

  private static snapshot(view: WatcherView): ViewState {
    return {
      sentinels: view.sentinels().map(hostPort),
      masters: [...view.masters()].map(([name, a]) => [name, hostPort(a)]),
      health: view.health(),
      freshness: view.freshness(),
    };
  }

  /** The parts of `now` that differ from what was last sent, now remembered as sent; null if none. */
  private changed(now: ViewState): Partial<ViewState> | null {
    const update: Partial<ViewState> = {};
    for (const part of ['sentinels', 'masters', 'health', 'freshness'] as const) {
      const serialized = JSON.stringify(now[part]);
      if (serialized === this.sent[part]) continue;
      this.sent[part] = serialized;
      Object.assign(update, { [part]: now[part] });
    }
    return Object.keys(update).length > 0 ? update : null;
  }

  private async value(question: string, m: QuestionArgs): Promise<unknown> {
    if (question === 'status') return this.o.view.status();
    if (question === 'history') return this.o.view.history(m.arg ?? '');
    if (question !== 'metrics') throw new Error(`unknown question ${question}`);
    const counts = this.o.metrics.httpCounts;
    counts.clear();
    for (const [key, n] of m.httpCounts ?? []) counts.set(key, n);
    return { text: await this.o.metrics.registry.metrics(), contentType: this.o.metrics.registry.contentType };
  }
}
