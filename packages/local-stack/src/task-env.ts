import type { AppDefinition } from './app-definition';

export interface TaskEnvInput {
  app: AppDefinition;
  version: string;
  taskId: string;
  /** The agent's hostname as Mesos knows it: its IP address (as on DC/OS) or its name (as on plain Mesos). */
  hostname: string;
  agentIp: string;
  hostPorts: readonly number[];
  sandbox: string;
}

/** Marathon's env var names: upper case, anything not alphanumeric an underscore. */
export const envName = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/** Scala's Double.toString, which Marathon's MARATHON_APP_RESOURCE_* values are: 1024 is "1024.0". */
export const scalaDouble = (n: number): string => (Number.isInteger(n) ? `${n}.0` : String(n));

/**
 * The environment Marathon and Mesos give a task on host networking: the definition's `env`, then
 * the host ports (PORT0…, PORT, PORTS, PORT_<name>, PORT_<declared port>), HOST (the offer's
 * hostname), the app's metadata (MARATHON_APP_*), Mesos's (MESOS_TASK_ID, MESOS_SANDBOX) and,
 * for a task of the Mesos containerizer only, LIBPROCESS_IP: the command executor inherits the
 * agent's, while the Docker containerizer's `docker run` passes the task's environment and
 * Mesos's own variables but not the agent's LIBPROCESS_IP.
 */
export function taskEnvironment(inputs: TaskEnvInput): Record<string, string> {
  const { app } = inputs;
  const env: Record<string, string> = { ...app.env };
  inputs.hostPorts.forEach((p, n) => {
    env[`PORT${n}`] = String(p);
    const def = app.portDefinitions[n];
    if (def?.name) env[`PORT_${envName(def.name)}`] = String(p);
    if (def && def.port !== 0) env[`PORT_${def.port}`] = String(p);
  });
  if (inputs.hostPorts.length > 0) {
    env.PORT = String(inputs.hostPorts[0]);
    env.PORTS = inputs.hostPorts.join(',');
  }
  env.HOST = inputs.hostname;
  env.MARATHON_APP_ID = app.id;
  env.MARATHON_APP_VERSION = inputs.version;
  if (app.container.image) env.MARATHON_APP_DOCKER_IMAGE = app.container.image;
  env.MARATHON_APP_RESOURCE_CPUS = scalaDouble(app.cpus);
  env.MARATHON_APP_RESOURCE_MEM = scalaDouble(app.mem);
  env.MARATHON_APP_RESOURCE_DISK = scalaDouble(app.disk);
  env.MARATHON_APP_RESOURCE_GPUS = '0';
  const labels = Object.keys(app.labels);
  if (labels.length > 0) env.MARATHON_APP_LABELS = labels.map(envName).join(' ');
  for (const [k, v] of Object.entries(app.labels)) env[`MARATHON_APP_LABEL_${envName(k)}`] = v;
  env.MESOS_TASK_ID = inputs.taskId;
  env.MESOS_SANDBOX = inputs.sandbox;
  if (app.container.type !== 'DOCKER') env.LIBPROCESS_IP = inputs.agentIp;
  return env;
}
