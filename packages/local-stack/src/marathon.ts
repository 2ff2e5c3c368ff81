import { loadAppDefinitions } from './app-definition';

/** What the loopback launcher uses of a Marathon app definition. */
export interface AppSpec {
  id: string;
  cmd: string;
  instances: number;
  env: Record<string, string>;
  /** Variables set from a Marathon secret: variable name -> the secret's source. */
  secretEnv: Record<string, string>;
  /** Names of the ports in portDefinitions (PORT0, PORT1, … locally always get free ports). */
  ports: string[];
  backoffSeconds: number;
  backoffFactor: number;
  maxLaunchDelaySeconds: number;
  killGraceSeconds: number;
}

/** Reads a Marathon group (apps of nested groups included) or a single app definition. */
export function loadApps(file: string): AppSpec[] {
  return loadAppDefinitions(file).map((a) => {
    if (!a.cmd) throw new Error(`${file}: app ${a.id}: the loopback launcher runs apps with a cmd`);
    return {
      id: a.id,
      cmd: a.cmd,
      instances: a.instances,
      env: a.env,
      secretEnv: a.secretEnv,
      ports: a.portDefinitions.map((p, i) => p.name ?? `port${i}`),
      backoffSeconds: a.backoffSeconds,
      backoffFactor: a.backoffFactor,
      maxLaunchDelaySeconds: a.maxLaunchDelaySeconds,
      killGraceSeconds: a.taskKillGracePeriodSeconds,
    };
  });
}
