import fs from 'node:fs';

/** What the launcher uses of a Marathon app definition. */
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

interface RawApp {
  id?: string; cmd?: string; instances?: number; env?: Record<string, unknown>; secrets?: Record<string, { source?: unknown }>;
  portDefinitions?: Array<{ name?: string }>; backoffSeconds?: number; backoffFactor?: number;
  maxLaunchDelaySeconds?: number; taskKillGracePeriodSeconds?: number;
}
interface RawGroup { id?: string; apps?: RawApp[]; groups?: RawGroup[] }

/** Reads a Marathon group (apps of nested groups included) or a single app definition. */
export function loadApps(file: string): AppSpec[] {
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as RawGroup & RawApp;
  const apps: RawApp[] = [];
  const walk = (g: RawGroup) => { apps.push(...(g.apps ?? [])); (g.groups ?? []).forEach(walk); };
  if (json.cmd) apps.push(json); else walk(json);
  return apps.map((a) => {
    if (!a.id || !a.cmd) throw new Error(`${file}: every app needs an id and a cmd`);
    const env: Record<string, string> = {};
    const secretEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(a.env ?? {})) {
      if (typeof v === 'string') env[k] = v;
      else if (typeof v === 'object' && v !== null && 'secret' in v) {
        const source = a.secrets?.[String(v.secret)]?.source;
        if (typeof source !== 'string') throw new Error(`${file}: ${a.id}: ${k} refers to undeclared secret ${String(v.secret)}`);
        secretEnv[k] = source;
      }
    }
    return {
      id: a.id,
      cmd: a.cmd,
      instances: a.instances ?? 1,
      env,
      secretEnv,
      ports: (a.portDefinitions ?? [{}]).map((p, i) => p.name ?? `port${i}`),
      backoffSeconds: a.backoffSeconds ?? 1,
      backoffFactor: a.backoffFactor ?? 1.15,
      maxLaunchDelaySeconds: a.maxLaunchDelaySeconds ?? 300,
      killGraceSeconds: a.taskKillGracePeriodSeconds ?? 3,
    };
  });
}
