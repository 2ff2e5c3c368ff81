import { Worker } from 'node:worker_threads';
import type { Logger } from '../log';
import type { FromHttpThread, HttpThreadData, ToHttpThread } from './thread-messages';

export interface HttpThreadOptions<D, S> {
  /** The thread's bundled file (scripts/bundle.mjs), beside the program's bundle. */
  entry: string;
  /** The program's start data for the thread (where to listen, the log level...). */
  data: D;
  /** The state the thread serves from until the first send(). */
  state: S;
  /**
   * Under sustained load V8 grows an isolate's young generation to its default maximum and keeps
   * it (~20 MB more resident memory per thread); an HTTP thread's requests allocate little that
   * survives, so a few MB cost no measurable throughput.
   */
  youngGenerationMb: number;
  /** Answers what the thread asks for (what needs the main thread's connections or registry). */
  answer(question: string, args: unknown): unknown;
  log: Logger;
}

/** What a worker throws reaches this thread as a structured copy: made a plain Error again. */
const asError = (x: unknown): Error => new Error(typeof x === 'object' && x !== null && 'message' in x ? String(x.message) : String(x));

/**
 * An HTTP server on a thread of its own (its side: thread-port.ts). Why: the thread's event loop
 * and heap are its own, so its answers wait neither for the main thread's work (ZooKeeper, Redis,
 * Sentinel replies, a failover) nor for its garbage collections, and V8 keeps the thread's code
 * specialised for HTTP.
 */
export class HttpThread<S> {
  private closing = false;
  private readonly exited: Promise<unknown>;
  /** Resolves with why the thread stopped, if it stops without close(). */
  readonly failed: Promise<Error>;

  private constructor(
    private readonly worker: Worker,
    private readonly o: HttpThreadOptions<unknown, S>,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', resolve));
    this.failed = new Promise((resolve) => {
      worker.on('error', (err) => {
        if (!this.closing) resolve(asError(err));
      });
      worker.on('exit', (code) => {
        if (!this.closing) resolve(new Error(`the HTTP thread exited (code ${code})`));
      });
    });
    worker.on('message', (m: FromHttpThread) => {
      if (m.type === 'ask') void this.answer(m);
    });
  }

  /** Resolves once the thread listens; rejects with the thread's error (a port in use, say). */
  static async start<D, S>(o: HttpThreadOptions<D, S>): Promise<HttpThread<S>> {
    const workerData: HttpThreadData<D, S> = { data: o.data, state: o.state };
    const worker = new Worker(o.entry, { workerData, resourceLimits: { maxYoungGenerationSizeMb: o.youngGenerationMb } });
    await new Promise<void>((resolve, reject) => {
      const failed = (err: unknown) => {
        worker.off('message', listening);
        reject(asError(err));
      };
      const exited = (code: number) => failed(new Error(`the HTTP thread exited (code ${code}) before listening`));
      const listening = (m: FromHttpThread) => {
        if (m.type !== 'listening') return;
        worker.off('error', failed).off('exit', exited).off('message', listening);
        resolve();
      };
      worker.on('message', listening).once('error', failed).once('exit', exited);
    });
    return new HttpThread(worker, o as HttpThreadOptions<unknown, S>);
  }

  /** Sends the parts of the state that changed, or (none) a sign of life. */
  send(update: Partial<S> | null): void {
    this.post(update ? { type: 'state', update } : { type: 'beat' });
  }

  /** Stops accepting, lets answers under way finish (bounded), then ends the thread. */
  async close(graceMs = 2000): Promise<void> {
    this.closing = true;
    this.post({ type: 'close' });
    const timer = setTimeout(() => void this.worker.terminate(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private async answer(m: Extract<FromHttpThread, { type: 'ask' }>): Promise<void> {
    try {
      this.post({ type: 'answer', id: m.id, value: await this.o.answer(m.question, m.args) });
    } catch (err) {
      this.post({ type: 'answer', id: m.id, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private post(m: ToHttpThread<S>): void {
    try {
      this.worker.postMessage(m);
    } catch (err) {
      this.o.log.debug({ err: String(err) }, 'HTTP thread gone; message dropped');
    }
  }
}
