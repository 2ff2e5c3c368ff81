/**
 * What a nemesis run records: every client operation, every observation of ZooKeeper, the
 * watchers and the redis nodes, every fault and every task's start and exit. The checkers are
 * pure functions over it; a run's report and its JSON file are made from it.
 */

export type ClientName = 'wait' | 'plain' | 'haproxy';

/** One client operation: a SET (followed by `WAIT 1 <ms>` for the WAIT clients). */
export interface OpEvent {
  type: 'op';
  client: ClientName;
  key: string;
  start: number;
  end: number;
  /** host:port of the node that answered, when known (the connection's peer). */
  master?: string;
  /** The SET succeeded. */
  ok: boolean;
  /** WAIT clients: WAIT 1 confirmed a replica has the write. */
  acked?: boolean;
  error?: string;
}

export type HistoryEvent = { t: number } & (
  | OpEvent
  | { type: 'fault-start'; id: number; what: string; tasks: string[]; addresses: string[] }
  | { type: 'fault-end'; id: number; what: string }
  | { type: 'fault-skip'; id: number; what: string; reason: string }
  /** masters/<set> and epochs/<set> as read (a change, or the first read). */
  | { type: 'zk-master'; raw: string | null; epoch: number }
  /** What the address ZooKeeper just named answered to ROLE (dead: no answer). */
  | { type: 'zk-probe'; address: string; role: string; changedAt: number }
  /** A watcher's /sentinels when it changed (list null: no answer; status the HTTP status). */
  | { type: 'sentinels'; watcher: string; status: number; list: string[] | null }
  /** A redis node's role when it changed (role 'dead' when it does not answer). */
  | { type: 'role'; address: string; role: string; master?: string; link?: string }
  /** The master a sentinel names (GET-MASTER-ADDR-BY-NAME) when it changed ('dead': no answer). */
  | { type: 'sentinel-master'; sentinel: string; master: string }
  | { type: 'task-start'; task: string; app: string; address: string }
  | { type: 'task-exit'; task: string; app: string; address: string; code: number | null; signal: string | null }
  /** Marathon decided to kill a task (model mode), with its reason: a deployment step, a failed health check, an instance too many. */
  | { type: 'task-kill'; task: string; address: string; reason: string }
  /** A convergence sample after the last fault: ok, or what is not converged yet. */
  | { type: 'converge'; ok: boolean; reason?: string }
  /** The read-back at the end: which acknowledged keys the final master lacks. */
  | { type: 'read-back'; master: string | null; checked: number; missing: string[]; error?: string }
  /** The run stops the deployment: exits after this are not faults. */
  | { type: 'teardown' }
  | { type: 'note'; text: string }
);

export type EventOf<K extends HistoryEvent['type']> = Extract<HistoryEvent, { type: K }>;

export interface History {
  seed: number;
  startedAt: number;
  /** When the last fault ended (its freeze resumed, its outage over, its restart done). */
  lastFaultEnd: number;
  events: HistoryEvent[];
}

export const eventsOf = <K extends HistoryEvent['type']>(h: History, type: K): EventOf<K>[] => h.events.filter((e): e is EventOf<K> => e.type === type);
