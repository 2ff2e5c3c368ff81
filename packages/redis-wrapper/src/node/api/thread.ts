import path from 'node:path';
import { type Address, HttpThread, type Logger } from '@redis-zk/core';
import type { NodeCounters } from '../counters';
import type { TakenView } from '../role-loop';
import { apiState, type NodeApiState } from './answers';
import { nodeMetrics } from './metrics';
import type { NodeApiThreadData } from './worker';

export interface NodeApiInputs {
  listen: Address;
  /** The node loop's last view (undefined before its first tick), for /metrics. */
  view: () => TakenView | undefined;
  counters: NodeCounters;
  /** A view older than this answers 503 everywhere: a frozen node resumed must not pass. */
  maxViewAgeMs: number;
  logLevel: string;
  log: Logger;
}

export interface NodeApi {
  /** Hands the API a view the node loop just took. */
  publish(view: TakenView): void;
  close(): Promise<void>;
  /** Resolves with why the API thread stopped, if it stops without close(). */
  readonly failed: Promise<Error>;
}

/**
 * Also on loopback when bound to one address, as redis and Sentinel are (bindLine): Mesos runs a
 * MESOS_HTTP health check against 127.0.0.1 inside the task's network, Marathon's readiness
 * check against the agent's address.
 */
export const apiHosts = (host: string): string[] => (['127.0.0.1', '::1', '0.0.0.0', '::'].includes(host) ? [host] : [host, '127.0.0.1']);

/** A small young generation for the API thread (see HttpThreadOptions). */
const THREAD_YOUNG_GENERATION_MB = 4;

/**
 * The node API (routes.ts) on a thread of its own (core's HttpThread): what a proxy checks every
 * few hundred ms answers within moments while the main thread is busy with the node loop, redis's
 * replies and its own garbage collections. The main thread sends the answers to each view.
 */
export async function startNodeApi(inputs: NodeApiInputs): Promise<NodeApi> {
  const metrics = nodeMetrics(inputs);
  const data: NodeApiThreadData = {
    hosts: apiHosts(inputs.listen.host),
    port: inputs.listen.port,
    logLevel: inputs.logLevel,
    maxViewAgeMs: inputs.maxViewAgeMs,
    context: inputs.log.bindings(),
  };
  const thread = await HttpThread.start<NodeApiThreadData, NodeApiState>({
    // The thread's bundle, beside the program's (scripts/bundle.mjs).
    entry: path.join(__dirname, 'node-api-thread.js'),
    data,
    state: apiState(undefined),
    youngGenerationMb: THREAD_YOUNG_GENERATION_MB,
    answer: async (question) => {
      if (question !== 'metrics') throw new Error(`unknown question ${question}`);
      return { text: await metrics.metrics(), contentType: metrics.contentType };
    },
    log: inputs.log,
  });
  inputs.log.info({ hosts: data.hosts, port: data.port }, 'node API listening');
  return {
    publish: (view) => thread.send(apiState(view)),
    close: () => thread.close(),
    failed: thread.failed,
  };
}
