import type { StackZooKeeper } from '../packages/local-stack/src/stack';
import type { App } from './schedule';

/**
 * What the nemesis needs of a deployment, implemented by the loopback stack (loopback.ts) and by
 * the Marathon model with agents in network namespaces (model.ts). Everything else (observers,
 * clients, faults, convergence, read-back, checkers) is written once against this.
 */

/** A live task as the nemesis sees it. */
export interface Task {
  id: string;
  app: App;
  /** host:port of its first port as it announces it (ZooKeeper, Sentinel): 127.0.0.1 in loopback mode, its agent's address in the model. */
  address: string;
  /** For each of its ports, a port on this process's loopback that reaches it. */
  local: number[];
  startedAt: number;
  /** Its agent (model mode). */
  agent?: string;
}

export interface TaskEvents {
  start(t: Task, at: number): void;
  exit(t: Task, exit: { code: number | null; signal: string | null }): void;
  /** Marathon decided to kill it (model mode: a deployment step, a health check, an instance too many), with its reason. */
  kill(t: Task, reason: string): void;
}

/** A rolling replacement of an app's tasks (a restart, or an upgrade when `env` is given). */
export interface RestartOptions {
  env?: Record<string, string>;
  /** Rotates the order the old tasks are stopped in. */
  order: number;
  what: string;
  /** Records each old task as it is stopped (its exit is the fault's, not its own). */
  onStop(t: Task): void;
  /** Why a redis task may not be stopped now (two synced replicas), undefined when it may. */
  gate(): Promise<string | undefined>;
  /** Whether a replacement is ready as Marathon's readiness check says. */
  ready(app: App, t: Task): Promise<boolean>;
  note(text: string): void;
}

/** Agents cut off the network and healed (model mode only). */
export interface Agents {
  /** Agents that are cut now. */
  cut(): string[];
  partition(agent: string): void;
  heal(agent: string): void;
}

export interface Deployment {
  readonly mode: 'loopback' | 'model';
  /** Where its files go (kept with a run that found a violation). */
  readonly dir: string;
  /** ZooKeeper from this process; and from where `wrap`ped commands run. */
  readonly zkHere: string;
  readonly zkThere: string;
  readonly zk: StackZooKeeper;
  /** The ZK_AUTH the CLI needs. */
  zkAuth(): string;
  /** Live tasks of an app (a process running, reachable through `local`). */
  tasks(app: App): Task[];
  onTask(events: TaskEvents): void;
  /** The loopback port reaching an announced host:port of a task; undefined when none does. */
  reach(address: string): number | undefined;
  /** The announced host:port a loopback port of `reach` leads to. */
  announced(localPort: number): string;
  /** A loopback port reaching host:port as seen from where `wrap`ped commands run. */
  forward(host: string, port: number): Promise<number>;
  /** The command line that runs a helper (the CLI, HAProxy) where it reaches the tasks. */
  wrap(cmd: string, args: readonly string[]): [string, string[]];
  /** A signal to the task's whole process group. */
  signal(t: Task, sig: NodeJS.Signals): void;
  /** Resolves once the task's process ended (at most `ms`); false if it did not. */
  exited(t: Task, ms: number): Promise<boolean>;
  /** Pids of the task's redis-server. */
  serverPids(t: Task): number[];
  /** A planned stop as Marathon does it: SIGTERM, the kill grace, then SIGKILL. */
  plannedStop(t: Task): Promise<void>;
  restart(app: App, o: RestartOptions): Promise<void>;
  readonly agents?: Agents;
  stop(keepFiles: boolean): Promise<void>;
}

/** `xs` starting at index n (mod its length): the order a restart stops the old tasks in. */
export const rotated = <T>(xs: readonly T[], n: number): T[] => (xs.length === 0 ? [] : [...xs.slice(n % xs.length), ...xs.slice(0, n % xs.length)]);
