import { DCOS_PORTS, MESOS_DEFAULT_PORTS, type PortRange } from './agents';

/**
 * The three platforms redis-zk's definitions are written for, as the model runs them: which
 * Marathon features are on (what AppValidation accepts), how long the Mesos master waits before
 * it calls a silent agent unreachable, which ports an agent offers, and what HOST a task gets.
 *
 * - Open-source Marathon 1.10/1.11 on plain Mesos: `--enable_features` defaults to the empty set
 *   (Marathon's FeaturesConf.scala, `default = Some(Set.empty)`); Mesos's master flags
 *   `--agent_ping_timeout` 15 s × `--max_agent_ping_timeouts` 5 = 75 s; an agent offers
 *   `ports:[31000-32000]`; its hostname is the machine's (`hostname`, usually a name: Mesos's
 *   `--hostname_lookup`), which Marathon passes as HOST.
 * - DC/OS Open: Marathon runs with `--enable_features vips,task_killing,external_volumes,gpu_resources`
 *   (dcos/dcos, the marathon package's start script); the master with
 *   `MESOS_MAX_SLAVE_PING_TIMEOUTS=20` (dcos/dcos, dcos-mesos-master's environment): 20 × 15 s =
 *   300 s; agents offer 1025-32000 less DC/OS's own ports (agents.ts DCOS_PORTS) and are named by
 *   their IP address (`MESOS_HOSTNAME` from `detect_ip`), so HOST is an address.
 * - DC/OS Enterprise: DC/OS Open's, plus `secrets` (the secret store behind `{"secret": …}`).
 */
export type PlatformName = 'marathon-oss' | 'dcos-open' | 'dcos-enterprise';

export interface PlatformProfile {
  name: PlatformName;
  title: string;
  /** Marathon's `--enable_features`. */
  features: ReadonlySet<string>;
  /** The Mesos master's ping timeout × max ping timeouts, in seconds. */
  agentUnreachableAfterSeconds: number;
  /** Every agent's port resources. */
  ports: readonly PortRange[];
  /** HOST is the agent's name (plain Mesos) rather than its address (DC/OS). */
  hostIsName: boolean;
}

const DCOS_OPEN_FEATURES = ['vips', 'task_killing', 'external_volumes', 'gpu_resources'];

export const PLATFORMS: Readonly<Record<PlatformName, PlatformProfile>> = {
  'marathon-oss': {
    name: 'marathon-oss',
    title: 'open-source Marathon 1.10/1.11 on Mesos',
    features: new Set(),
    agentUnreachableAfterSeconds: 5 * 15,
    ports: MESOS_DEFAULT_PORTS,
    hostIsName: true,
  },
  'dcos-open': {
    name: 'dcos-open',
    title: 'DC/OS Open',
    features: new Set(DCOS_OPEN_FEATURES),
    agentUnreachableAfterSeconds: 20 * 15,
    ports: DCOS_PORTS,
    hostIsName: false,
  },
  'dcos-enterprise': {
    name: 'dcos-enterprise',
    title: 'DC/OS Enterprise',
    features: new Set([...DCOS_OPEN_FEATURES, 'secrets']),
    agentUnreachableAfterSeconds: 20 * 15,
    ports: DCOS_PORTS,
    hostIsName: false,
  },
};

export const platform = (p: PlatformName | PlatformProfile): PlatformProfile => (typeof p === 'string' ? PLATFORMS[p] : p);
