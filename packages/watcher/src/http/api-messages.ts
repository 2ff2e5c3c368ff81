import type { Address } from '@redis-zk/core';
import type { Freshness, Health } from '../view';

/** What the HTTP thread answers from, as sent by the main thread: only the parts that changed. */
export interface ViewUpdate {
  sentinels?: Address[];
  masters?: Array<[string, Address]>;
  health?: Health;
  freshness?: Freshness;
}

/** Questions the HTTP thread cannot answer from the view: the main thread owns the connections. */
export type Question = 'status' | 'metrics' | 'history';

export type ToApiThread =
  | { type: 'view'; update: ViewUpdate }
  /** The main thread's sign of life when nothing changed (every second): what /liveness checks. */
  | { type: 'beat' }
  | { type: 'answer'; id: number; value?: unknown; error?: string }
  | { type: 'close' };

export type FromApiThread =
  | { type: 'listening' }
  | {
      type: 'ask';
      id: number;
      question: Question;
      /** The set, for 'history'. */
      arg?: string;
      /** For 'metrics': the requests the thread has served (key method\troute\tstatus), into the one registry. */
      httpCounts?: Array<[string, number]>;
    };

export interface ApiThreadData {
  host: string;
  port: number;
  logLevel: string;
  view: Required<ViewUpdate>;
}
