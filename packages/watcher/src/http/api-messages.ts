import type { Address } from '@redis-zk/core';
import type { Freshness, Health } from '../view';

/** What the HTTP thread answers from, as sent by the main thread (only the parts that changed). */
export interface ViewState {
  sentinels: Address[];
  masters: Array<[string, Address]>;
  health: Health;
  freshness: Freshness;
}

/** Questions the HTTP thread cannot answer from the view: the main thread owns the connections. */
export type Question = 'status' | 'metrics' | 'history';

/** With a question: the set, for 'history'; for 'metrics', the requests the thread has served (key method\troute\tstatus), into the one registry. */
export interface QuestionArgs {
  arg?: string;
  httpCounts?: Array<[string, number]>;
}

export interface ApiThreadData {
  host: string;
  port: number;
  logLevel: string;
}
