import type { Logger } from '@redis-zk/core';
import type { AgentResources, PortRange } from './agents';
import type { AppDefinition, UnreachableStrategy } from './app-definition';
import type { RestartBudget } from './deployment';
import type { TaskChecks } from './health';
import type { Health } from './health-rules';
import type { Exit, ManagedProcess } from './managed-process';
import type { Netns } from './netns';
import type { NsProbe } from './ns-probe';

/** The Marathon model's options and state (marathon-model.ts runs it). */

export interface AgentOptions {
  resources?: Partial<AgentResources>;
  attributes?: Record<string, string>;
}

export interface ModelOptions {
  /** How many agents, or each agent's resources and attributes. Default 3. */
  agents?: number | AgentOptions[];
  /** Every agent's port resources unless its own options say (default a plain Mesos agent's [31000-32000]; DCOS_PORTS for DC/OS's). */
  portResources?: readonly PortRange[];
  /** Sandboxes, logs, sockets; default a new temp dir (removed at stop unless keepFiles). */
  dir?: string;
  /** Working directory of DOCKER tasks (the image's WORKDIR: the project, as in the image). */
  workdir?: string;
  /** Shell a DOCKER task's cmd runs in (the image's /bin/sh, which the Dockerfile makes bash). */
  dockerShell?: string;
  timeScale?: number;
  minCheckTimeoutMs?: number;
  /** How long the Mesos master takes to call a silent agent unreachable (default 75). */
  agentUnreachableAfterSeconds?: number;
  /** For apps without one (default 0/0, Marathon 1.9's and DC/OS 2's default). */
  defaultUnreachableStrategy?: UnreachableStrategy;
  /** A task that ran this long before failing resets the app's backoff (default 60). */
  minimumViableTaskSeconds?: number;
  /** Added to every task's environment after the definition's and Marathon's (e.g. faster settings in tests). */
  env?: Record<string, string>;
  /** The environment a task gets from its app's Marathon secrets (the stack's stand-in store). */
  secrets?: (app: AppDefinition) => Record<string, string>;
  /** The agents' network interface (default eth0). */
  ifaceName?: string;
  log?: Logger;
  random?: () => number;
}

export type AgentState = 'active' | 'unreachable';

export interface ModelAgent {
  id: string;
  index: number;
  ns: Netns;
  /** The agent's hostname as Mesos reports it (its IP, as on DC/OS). */
  hostname: string;
  resources: AgentResources;
  attributes: Record<string, string>;
  /** As the Mesos master sees it. */
  state: AgentState;
  linkUp: boolean;
  /** Killed: its processes are gone and it never comes back. */
  gone: boolean;
  silentSince?: number;
  pendingExits: ModelTask[];
  pendingKills: Set<ModelTask>;
  probe?: NsProbe;
}

/**
 * A task as Marathon sees it. running → killing → (terminal: removed); running → unreachable →
 * inactive (replaced) → expunged (forgotten: killed if it ever comes back).
 */
export type TaskState = 'running' | 'killing' | 'unreachable' | 'inactive';

export interface ModelTask {
  id: string;
  appId: string;
  version: string;
  agent: ModelAgent;
  /** The definition of its version: what it took from the offer, how it is killed. */
  def: AppDefinition;
  hostPorts: number[];
  sandbox: string;
  env: Record<string, string>;
  proc: ManagedProcess;
  startedAt: number;
  state: TaskState;
  health: Health;
  ready: boolean;
  killReason?: string;
  unreachableSince?: number;
  exit?: Exit;
  checks: TaskChecks;
  cancelKill?: () => void;
}

export type DeploymentKind = 'start' | 'restart' | 'scale';
export interface Deployment {
  id: string;
  appId: string;
  kind: DeploymentKind;
  version: string;
  /** Resolves 'finished' once every instance of the version is healthy and ready, 'cancelled' if the model stops first. */
  done: Promise<'finished' | 'cancelled'>;
  finished: boolean;
}

export interface DeploymentRun extends Deployment {
  budget?: RestartBudget;
  killsOrdered: number;
  order?: (old: ModelTask[]) => ModelTask[];
  settle: (r: 'finished' | 'cancelled') => void;
}

/** A resident instance's place: its agent and volumes, kept between its tasks. */
export interface Reservation {
  id: string;
  agent: ModelAgent;
  /** The volumes' directory on the agent (a path of the host, per agent). */
  dir: string;
  /** The task using it now, until Marathon gets its terminal status. */
  task?: ModelTask;
}

export interface AppState {
  def: AppDefinition;
  /** Resident apps (persistent volumes): one per instance ever placed. */
  reservations: Reservation[];
  version: string;
  tasks: Map<string, ModelTask>;
  /** Expunged tasks whose process may still run on an unreachable agent. */
  orphans: Set<ModelTask>;
  lastDelaySeconds?: number;
  notBefore: number;
  waiting?: string;
  deployment?: DeploymentRun;
}

export interface AppStatus {
  id: string;
  version: string;
  instances: number;
  running: number;
  healthy: number;
  unreachable: number;
  /** Why the app's next task cannot launch (Marathon: "waiting for resource offer"). */
  waiting?: string;
  delayedUntil?: number;
  deployment?: { id: string; kind: DeploymentKind };
}
