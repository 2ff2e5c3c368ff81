import type { Logger } from '@redis-zk/core';
import type { AgentResources, PortRange } from './agents';
import type { AppDefinition, UnreachableStrategy } from './app-definition';
import type { LaunchDelay } from './backoff';
import type { RestartBudget } from './deployment';
import type { TaskChecks } from './health';
import type { Health } from './health-rules';
import type { Exit, ManagedProcess } from './managed-process';
import type { Netns } from './netns';
import type { NsProbe } from './ns-probe';
import type { PlatformName } from './platforms';

/** The Marathon model's options and state (marathon-model.ts runs it). */

export interface AgentOptions {
  resources?: Partial<AgentResources>;
  attributes?: Record<string, string>;
}

export interface ModelOptions {
  /** How many agents, or each agent's resources and attributes. Default 3. */
  agents?: number | AgentOptions[];
  /**
   * The platform (platforms.ts): Marathon's features (what deploy and restart accept, as
   * AppValidation does), the agent-unreachable timer, the agents' ports and what HOST is. Without
   * it: DC/OS Enterprise's features (every shipped file is accepted), and a plain Mesos agent's
   * ports, 75 s and HOST the agent's address (the scenarios written before platforms).
   */
  platform?: PlatformName;
  /** Every agent's port resources unless its own options say (default the platform's; without one a plain Mesos agent's [31000-32000]). */
  portResources?: readonly PortRange[];
  /** HOST is the agent's name (`agent-<n>`, in every namespace's /etc/hosts) rather than its address (default: the platform's; without one an address). */
  hostNames?: boolean;
  /** Files on every agent's file system (host path → content), mode 0600, as an operator puts them there before deploying. */
  hostFiles?: Readonly<Record<string, string>>;
  /** Sandboxes, logs, sockets; default a new temp dir (removed at stop unless keepFiles). */
  dir?: string;
  /** Working directory of DOCKER tasks (the image's WORKDIR: the project, as in the image). */
  workdir?: string;
  /** Shell a DOCKER task's cmd runs in (the image's /bin/sh, which the Dockerfile makes bash). */
  dockerShell?: string;
  /** The order agents' offers reach Marathon: least loaded first (default), or random (as offers come on a real cluster). */
  offerOrder?: 'least-loaded' | 'random';
  timeScale?: number;
  minCheckTimeoutMs?: number;
  /** How long the Mesos master takes to call a silent agent unreachable (default the platform's: 75 on Mesos, 300 on DC/OS; without one 75). */
  agentUnreachableAfterSeconds?: number;
  /** For apps without one (default 0/0, Marathon 1.9's and DC/OS 2's default). */
  defaultUnreachableStrategy?: UnreachableStrategy;
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
  /** `agent-<n>`, the agent's name in every namespace's /etc/hosts. */
  name: string;
  /** The agent's hostname as Mesos reports it: its IP (as on DC/OS), or its name (hostNames, as on plain Mesos). */
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
  /** The version of the app's last change of configuration (not a restart or a scale): UNIQUE and other constraints ignore older tasks (ResourceMatcher). */
  lastConfigChangeVersion: string;
  tasks: Map<string, ModelTask>;
  /** Expunged or decommissioned tasks whose process may still run on an unreachable agent: Marathon no longer knows them. */
  orphans: Set<ModelTask>;
  /** Marathon's launch delay for the app (backoff.ts), while there is one. */
  delay?: LaunchDelay;
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
