/**
 * What an HTTP thread and its main thread say to each other (thread-host.ts, thread-port.ts). The
 * main thread owns the connections; the HTTP thread serves from the state the main thread sends,
 * and asks for what it cannot answer from it.
 */
export type ToHttpThread<S> =
  /** The parts of the state that changed. */
  | { type: 'state'; update: Partial<S> }
  /** The main thread's sign of life when nothing changed. */
  | { type: 'beat' }
  | { type: 'answer'; id: number; value?: unknown; error?: string }
  | { type: 'close' };

export type FromHttpThread = { type: 'listening' } | { type: 'ask'; id: number; question: string; args?: unknown };

/** The thread's workerData: the program's own start data, and the state as at the start. */
export interface HttpThreadData<D, S> {
  data: D;
  state: S;
}
