import fs from 'node:fs';

/**
 * A Marathon app definition as the model reads it: every field the model acts on, with
 * Marathon's defaults filled in. Fields the model cannot honour (a network mode other than host,
 * an unknown constraint operator, a health check protocol it cannot run) are load errors, never
 * silently ignored: a definition the model accepts is one it runs as Marathon would.
 */
export interface AppDefinition {
  id: string;
  /** The app as written (what Marathon's validation reads: validateApp). */
  raw: Readonly<Record<string, unknown>>;
  /** Run by the task's shell (`sh -c`), as Mesos does; exactly one of cmd and args. */
  cmd?: string;
  /** Run directly, without a shell. */
  args?: string[];
  instances: number;
  cpus: number;
  mem: number;
  disk: number;
  env: Record<string, string>;
  /** Variables set from a Marathon secret: variable name -> the secret's source. */
  secretEnv: Record<string, string>;
  labels: Record<string, string>;
  container: { type: 'DOCKER' | 'MESOS' | 'NONE'; image?: string };
  /**
   * Local persistent volumes (`container.volumes[].persistent`): each instance keeps a
   * reservation on the agent it first ran on, and every later task of that instance runs there
   * with the same volume (Marathon's resident tasks).
   */
  persistentVolumes: PersistentVolume[];
  /**
   * Host volumes (`container.volumes[].hostPath`): a directory of the agent the task runs on,
   * there for every later task on that agent and gone with the agent. Other kinds are a load error.
   */
  hostVolumes: HostVolume[];
  portDefinitions: PortDefinition[];
  requirePorts: boolean;
  constraints: Constraint[];
  healthChecks: HealthCheck[];
  readinessChecks: ReadinessCheck[];
  upgradeStrategy: { minimumHealthCapacity: number; maximumOverCapacity: number };
  unreachableStrategy: UnreachableStrategy | 'disabled' | undefined;
  killSelection: 'YOUNGEST_FIRST' | 'OLDEST_FIRST';
  taskKillGracePeriodSeconds: number;
  backoffSeconds: number;
  backoffFactor: number;
  maxLaunchDelaySeconds: number;
}

/** A host volume: the agent's `hostPath` at `containerPath` (a name relative to the sandbox in the model). */
export interface HostVolume {
  containerPath: string;
  hostPath: string;
}

export interface PersistentVolume {
  containerPath: string;
  sizeMb: number;
}
export interface PortDefinition {
  port: number;
  name?: string;
  protocol: string;
}
export interface Constraint {
  field: string;
  operator: 'UNIQUE' | 'MAX_PER' | 'CLUSTER' | 'IS' | 'LIKE' | 'UNLIKE';
  value?: string;
}
export interface UnreachableStrategy {
  inactiveAfterSeconds: number;
  expungeAfterSeconds: number;
}

export type HealthProtocol = 'COMMAND' | 'HTTP' | 'TCP' | 'MESOS_HTTP' | 'MESOS_TCP';
export interface HealthCheck {
  protocol: HealthProtocol;
  command?: string;
  path: string;
  portIndex?: number;
  port?: number;
  gracePeriodSeconds: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  /** 0: Marathon's own checks (HTTP, TCP) never kill; Mesos-run ones (COMMAND, MESOS_*) kill on the first failure (health-rules.ts). */
  maxConsecutiveFailures: number;
  /** Mesos-run checks (COMMAND, MESOS_*) start this long after the task runs. */
  delaySeconds: number;
}

export interface ReadinessCheck {
  name: string;
  protocol: 'HTTP';
  path: string;
  portName: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  httpStatusCodesForReady: number[];
}

type Raw = Record<string, unknown>;

const CONSTRAINT_OPS = new Set(['UNIQUE', 'MAX_PER', 'CLUSTER', 'IS', 'LIKE', 'UNLIKE']);
const HEALTH_PROTOCOLS = new Set(['COMMAND', 'HTTP', 'TCP', 'MESOS_HTTP', 'MESOS_TCP']);

const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const obj = (v: unknown): Raw => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : {});

/** Parses one app of a definition file; `where` names it in errors. */
export function parseApp(raw: Raw, where = 'app'): AppDefinition {
  const fail = (what: string): never => {
    throw new Error(`${where}${raw.id ? ` ${String(raw.id)}` : ''}: ${what}`);
  };
  if (typeof raw.id !== 'string' || !raw.id) fail('needs an id');
  const cmd = typeof raw.cmd === 'string' ? raw.cmd : undefined;
  const args = Array.isArray(raw.args) ? raw.args.map(String) : undefined;
  if ((cmd === undefined) === (args === undefined)) fail('needs exactly one of cmd and args');

  const networks = Array.isArray(raw.networks) ? raw.networks.map((n) => String(obj(n).mode ?? 'host')) : ['host'];
  if (networks.some((m) => m !== 'host')) fail(`network mode ${networks.join(',')}: the model runs host networking only`);

  const container = obj(raw.container);
  const type = container.type === 'DOCKER' || container.type === 'MESOS' ? container.type : 'NONE';
  const image = typeof obj(container.docker).image === 'string' ? String(obj(container.docker).image) : undefined;

  const volumes = (Array.isArray(container.volumes) ? container.volumes : []).map(obj);
  const sandboxName = (kind: string, containerPath: string) => {
    if (!/^[A-Za-z0-9._-]+$/.test(containerPath))
      fail(`${kind} volume containerPath ${JSON.stringify(containerPath)}: the model takes a name relative to the sandbox`);
    return containerPath;
  };
  const persistentVolumes: PersistentVolume[] = [];
  const hostVolumes: HostVolume[] = [];
  for (const d of volumes) {
    if ('persistent' in d)
      persistentVolumes.push({ containerPath: sandboxName('persistent', String(d.containerPath ?? '')), sizeMb: num(obj(d.persistent).size, 0) });
    else if (typeof d.hostPath === 'string' && d.hostPath.startsWith('/'))
      hostVolumes.push({ containerPath: sandboxName('host', String(d.containerPath ?? '')), hostPath: d.hostPath });
    else fail(`volume ${JSON.stringify(d)}: the model runs local persistent volumes and host volumes (an absolute hostPath) only`);
  }
  const env: Record<string, string> = {};
  const secretEnv: Record<string, string> = {};
  const secrets = obj(raw.secrets);
  for (const [k, v] of Object.entries(obj(raw.env))) {
    if (typeof v === 'string') env[k] = v;
    else if (typeof v === 'object' && v !== null && 'secret' in v) {
      // {"secret": name} refers to `secrets.name.source`, the store's key: the stack supplies values.
      const source = obj(secrets[String((v as { secret: unknown }).secret)]).source;
      if (typeof source !== 'string') fail(`${k} refers to undeclared secret ${String((v as { secret: unknown }).secret)}`);
      secretEnv[k] = String(source);
    }
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(raw.labels))) labels[k] = String(v);

  const portDefinitions: PortDefinition[] = (Array.isArray(raw.portDefinitions) ? raw.portDefinitions : [{ port: 0 }]).map((p) => {
    const d = obj(p);
    return { port: num(d.port, 0), ...(typeof d.name === 'string' ? { name: d.name } : {}), protocol: String(d.protocol ?? 'tcp') };
  });

  const constraints: Constraint[] = (Array.isArray(raw.constraints) ? raw.constraints : []).map((c) => {
    const [field, operator, value] = Array.isArray(c) ? c.map(String) : [];
    if (!field || !operator || !CONSTRAINT_OPS.has(operator)) fail(`constraint ${JSON.stringify(c)}: the model knows ${[...CONSTRAINT_OPS].join(', ')}`);
    if (operator !== 'UNIQUE' && value === undefined) fail(`constraint ${JSON.stringify(c)} needs a value`);
    return { field: field!, operator: operator as Constraint['operator'], ...(value !== undefined && value !== '' ? { value } : {}) };
  });

  const healthChecks: HealthCheck[] = (Array.isArray(raw.healthChecks) ? raw.healthChecks : []).map((h) => {
    const d = obj(h);
    const protocol = String(d.protocol ?? 'HTTP');
    if (!HEALTH_PROTOCOLS.has(protocol)) fail(`health check protocol ${protocol}: the model runs ${[...HEALTH_PROTOCOLS].join(', ')}`);
    const command = typeof obj(d.command).value === 'string' ? String(obj(d.command).value) : undefined;
    if (protocol === 'COMMAND' && !command) fail('a COMMAND health check needs command.value');
    const portIndex = typeof d.portIndex === 'number' ? d.portIndex : undefined;
    const port = typeof d.port === 'number' ? d.port : undefined;
    if (protocol !== 'COMMAND' && port === undefined && (portIndex ?? 0) >= portDefinitions.length)
      fail(`health check portIndex ${portIndex ?? 0} names no port: ${MARATHON.portIndex}`);
    return {
      protocol: protocol as HealthProtocol,
      ...(command ? { command } : {}),
      path: String(d.path ?? '/'),
      ...(protocol !== 'COMMAND' && port === undefined ? { portIndex: portIndex ?? 0 } : {}),
      ...(port !== undefined ? { port } : {}),
      // Marathon's defaults.
      gracePeriodSeconds: num(d.gracePeriodSeconds, 300),
      intervalSeconds: num(d.intervalSeconds, 60),
      timeoutSeconds: num(d.timeoutSeconds, 20),
      maxConsecutiveFailures: num(d.maxConsecutiveFailures, 3),
      delaySeconds: num(d.delaySeconds, 15),
    };
  });

  const portNames = portDefinitions.map((p) => p.name);
  const readinessChecks: ReadinessCheck[] = (Array.isArray(raw.readinessChecks) ? raw.readinessChecks : []).map((r) => {
    const d = obj(r);
    if ((d.protocol ?? 'HTTP') !== 'HTTP') fail(`readiness check protocol ${String(d.protocol)}: the model runs HTTP`);
    const portName = String(d.portName ?? 'http-api');
    if (!portNames.includes(portName)) fail(`${MARATHON.portName(portName)} (ports: ${portNames.join(', ')})`);
    return {
      name: String(d.name ?? 'readinessCheck'),
      protocol: 'HTTP',
      path: String(d.path ?? '/'),
      portName,
      intervalSeconds: num(d.intervalSeconds, 30),
      timeoutSeconds: num(d.timeoutSeconds, 10),
      httpStatusCodesForReady: Array.isArray(d.httpStatusCodesForReady) ? d.httpStatusCodesForReady.map(Number) : [200],
    };
  });

  const upgrade = obj(raw.upgradeStrategy);
  const unreachable =
    raw.unreachableStrategy === 'disabled'
      ? 'disabled'
      : raw.unreachableStrategy === undefined
        ? undefined
        : {
            inactiveAfterSeconds: num(obj(raw.unreachableStrategy).inactiveAfterSeconds, 0),
            expungeAfterSeconds: num(obj(raw.unreachableStrategy).expungeAfterSeconds, 0),
          };
  const kill = String(raw.killSelection ?? 'YOUNGEST_FIRST');
  if (kill !== 'YOUNGEST_FIRST' && kill !== 'OLDEST_FIRST') fail(`killSelection ${kill}`);

  return {
    id: raw.id as string,
    raw,
    ...(cmd !== undefined ? { cmd } : {}),
    ...(args !== undefined ? { args } : {}),
    instances: num(raw.instances, 1),
    cpus: num(raw.cpus, 1),
    mem: num(raw.mem, 128),
    disk: num(raw.disk, 0),
    env,
    secretEnv,
    labels,
    container: { type, ...(image ? { image } : {}) },
    persistentVolumes,
    hostVolumes,
    portDefinitions,
    requirePorts: raw.requirePorts === true,
    constraints,
    healthChecks,
    readinessChecks,
    upgradeStrategy: { minimumHealthCapacity: num(upgrade.minimumHealthCapacity, 1), maximumOverCapacity: num(upgrade.maximumOverCapacity, 1) },
    unreachableStrategy: unreachable,
    killSelection: kill as AppDefinition['killSelection'],
    taskKillGracePeriodSeconds: num(raw.taskKillGracePeriodSeconds, 3),
    backoffSeconds: num(raw.backoffSeconds, 1),
    backoffFactor: num(raw.backoffFactor, 1.15),
    maxLaunchDelaySeconds: num(raw.maxLaunchDelaySeconds, 300),
  };
}

interface RawGroup {
  apps?: Raw[];
  groups?: RawGroup[];
}

/** The raw apps of a Marathon group (nested groups included) or of a single app definition. */
export function rawApps(json: unknown): Raw[] {
  const doc = obj(json);
  if ('cmd' in doc || 'args' in doc) return [doc];
  const apps: Raw[] = [];
  const walk = (g: RawGroup) => {
    apps.push(...(g.apps ?? []));
    (g.groups ?? []).forEach(walk);
  };
  walk(doc as RawGroup);
  return apps;
}

/**
 * Reads a Marathon group or app file, unchanged, into the apps it defines; with `features`
 * (Marathon's `--enable_features`), first rejects what Marathon would (validateApp).
 */
export function loadAppDefinitions(file: string, o: { features?: ReadonlySet<string> } = {}): AppDefinition[] {
  return rawApps(JSON.parse(fs.readFileSync(file, 'utf8'))).map((a, i) => {
    if (o.features) assertValidApp(a, o.features, `${file} app ${i} ${String(a.id)}`);
    return parseApp(a, `${file} app ${i}`);
  });
}

// ---- Marathon's validation ------------------------------------------------------------------------

/**
 * Marathon's reasons, word for word, for the rules validateApp applies (Marathon 1.10, the
 * mesosphere/marathon sources named at each rule).
 */
export const MARATHON = {
  /** api/v2/validation/EnvVarValidation.scala, EnvVarValidationMessages.UseOfSecretRefsRequiresSecretFeature. */
  secretRefsNeedFeature: 'use of secret-references in the environment requires the secrets feature to be enabled',
  /** api/v2/Validation.scala, featureEnabled (the closing parenthesis is Marathon's). */
  featureNotEnabled: (feature: string) => `Feature ${feature} is not enabled. Enable with --enable_features ${feature})`,
  /** api/v2/validation/AppValidation.scala, requireUnreachableDisabledForResidentTasks. */
  residentUnreachable: 'unreachableStrategy must be disabled for resident tasks',
  /** state/AppDefinition.scala, validWithRoleEnforcement. */
  residentRole: 'Resident apps cannot have the role *',
  /** api/v2/validation/SchedulingValidation.scala, validForResidentTasks (`maximumOverCapacity should be == 0.0`). */
  residentOverCapacity: (got: number) => `got ${got}, expected 0.0`,
  /** api/v2/validation/AppValidation.scala, readinessCheckValidator. */
  portName: (name: string) => `No port definition reference for portName ${name}`,
  /** api/v2/validation/AppValidation.scala, complyWithReadinessCheckRules (`readinessChecks.size should be <= 1`). */
  oneReadinessCheck: (got: number) => `got ${got}, expected 1 or less`,
  /** api/v2/validation/AppValidation.scala, portIndexIsValid. */
  portIndex: 'Health check port indices must address an element of the ports array or container port mappings.',
  /** api/v2/validation/AppValidation.scala, haveAtMostOneMesosHealthCheck. */
  oneMesosHealthCheck: 'AppDefinition can contain at most one Mesos health check',
} as const;

/** One rule an app breaks: where (a JSON path, as Marathon's 422 answer names it) and Marathon's reason. */
export interface Violation {
  path: string;
  message: string;
}

/**
 * What Marathon's validation (AppValidation.validateCanonicalAppAPI and the rules it calls)
 * rejects in an app, given the features Marathon runs with (`--enable_features`): only the rules
 * that concern redis-zk's definitions, each with Marathon's own message. Empty: Marathon accepts it.
 */
export function validateApp(raw: Readonly<Record<string, unknown>>, features: ReadonlySet<string>): Violation[] {
  const out: Violation[] = [];
  const env = obj(raw.env);
  const secrets = obj(raw.secrets);
  const container = obj(raw.container);
  const volumes = (Array.isArray(container.volumes) ? container.volumes : []).map(obj);

  // Secrets: `"env": {"X": {"secret": …}}` and a non-empty `secrets` need `--enable_features
  // secrets` (EnvVarValidation.envValidator; AppValidation: `app.secrets is … ->
  // featureEnabled(enabledFeatures, Features.SECRETS)`), and so do secret volumes
  // (AppValidation.validContainer: `secretVolumes(container) is empty or featureEnabled(…)`).
  if (!features.has('secrets')) {
    if (Object.values(env).some((v) => typeof v === 'object' && v !== null && 'secret' in v))
      out.push({ path: '/env', message: MARATHON.secretRefsNeedFeature });
    if (Object.keys(secrets).length > 0) out.push({ path: '/secrets', message: MARATHON.featureNotEnabled('secrets') });
    if (volumes.some((v) => 'secret' in v)) out.push({ path: '/container/volumes', message: MARATHON.featureNotEnabled('secrets') });
  }

  // Persistent volumes make the app resident (AppNormalization gives it a default `residency`;
  // `residency` itself is deprecated and changes nothing else). A resident app's
  // unreachableStrategy must be "disabled" (the default for it: UnreachableStrategy.default(true))
  // and its upgradeStrategy may not go over capacity (SchedulingValidation.validForResidentTasks).
  const resident = volumes.some((v) => 'persistent' in v) || raw.residency !== undefined;
  if (resident) {
    if (raw.unreachableStrategy !== undefined && raw.unreachableStrategy !== 'disabled') out.push({ path: '/', message: MARATHON.residentUnreachable });
    // Its role is the app's `role`, else Marathon's `--mesos_role` (default "*"), which reserves
    // nothing (RoleSettings.forService: the top-level group's name is always a valid role).
    if ((raw.role ?? '*') === '*') out.push({ path: '/role', message: MARATHON.residentRole });
    const over = obj(raw.upgradeStrategy).maximumOverCapacity;
    if (typeof over === 'number' && over !== 0) out.push({ path: '/upgradeStrategy/maximumOverCapacity', message: MARATHON.residentOverCapacity(over) });
  }

  // Ports of host networking: the portDefinitions (one dynamic port when absent: AppNormalization).
  const ports = (Array.isArray(raw.portDefinitions) ? raw.portDefinitions : [{ port: 0 }]).map(obj);

  // Readiness: at most one check, on a port that has that name (AppValidation.complyWithReadinessCheckRules).
  const readiness = (Array.isArray(raw.readinessChecks) ? raw.readinessChecks : []).map(obj);
  if (readiness.length > 1) out.push({ path: '/readinessChecks', message: MARATHON.oneReadinessCheck(readiness.length) });
  const names = new Set(ports.map((p) => p.name).filter((n): n is string => typeof n === 'string'));
  readiness.forEach((r, i) => {
    const name = String(r.portName ?? 'http-api');
    if (!names.has(name)) out.push({ path: `/readinessChecks(${i})/portName`, message: MARATHON.portName(name) });
  });

  // Health checks Marathon runs itself (HTTP, HTTPS, TCP, without a command) must name a port by
  // index, or give `port`, or the app must have exactly one port (AppValidation.portIndexIsValid);
  // Mesos's own (COMMAND, MESOS_*) are not checked there. At most one Mesos-run check other than
  // COMMAND (haveAtMostOneMesosHealthCheck).
  const checks = (Array.isArray(raw.healthChecks) ? raw.healthChecks : []).map(obj);
  checks.forEach((h, i) => {
    const protocol = String(h.protocol ?? 'HTTP');
    if (!['HTTP', 'HTTPS', 'TCP'].includes(protocol) || h.command !== undefined) return;
    const ok = typeof h.portIndex === 'number' ? h.portIndex >= 0 && h.portIndex < ports.length : typeof h.port === 'number' || ports.length === 1;
    if (!ok) out.push({ path: `/healthChecks(${i})`, message: MARATHON.portIndex });
  });
  if (checks.filter((h) => h.command === undefined && /^MESOS_/.test(String(h.protocol))).length > 1)
    out.push({ path: '/', message: MARATHON.oneMesosHealthCheck });
  return out;
}

/** Throws, as Marathon answers 422, when `validateApp` finds anything; `where` names the app. */
export function assertValidApp(raw: Readonly<Record<string, unknown>>, features: ReadonlySet<string>, where: string): void {
  const bad = validateApp(raw, features);
  if (bad.length > 0) throw new Error(`${where}: Marathon rejects it (422): ${bad.map((v) => `${v.path}: ${v.message}`).join('; ')}`);
}
