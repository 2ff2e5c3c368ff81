/**
 * A model of Marathon on Mesos that runs Marathon app definitions, read unchanged, as real
 * processes on agents that are Linux network namespaces (see netns.ts). What it does as Marathon
 * and Mesos do: port resources per agent, requirePorts, portDefinitions, constraints, the task
 * environment, health checks (COMMAND and MESOS_* on the agent, HTTP and TCP from Marathon),
 * readiness checks gating deployments, rolling replacement under upgradeStrategy, killSelection,
 * taskKillGracePeriodSeconds, launch backoff, unreachable agents under unreachableStrategy; and,
 * per platform (platforms.ts: open-source Marathon on Mesos, DC/OS Open, DC/OS Enterprise),
 * Marathon's features, which decide what its validation accepts (app-definition.ts validateApp,
 * run at deploy and restart), the agent-unreachable timer, the agents' ports and HOST.
 *
 * Where it simplifies (the one list; docs/marathon-model.md says the same):
 * - Time: every duration of a definition and of Mesos (intervals, grace periods, timeouts,
 *   backoff, kill grace, unreachable timers) is multiplied by `timeScale` (1 = as defined); a
 *   check's timeout is never below `minCheckTimeoutMs`, so a busy test machine is not an unhealthy task.
 * - Processes, not containers: a task's command runs on the host inside its agent's network
 *   namespace (no image, no cgroup limits, no mount or PID namespace); a DOCKER task runs in the
 *   project directory (the image's WORKDIR, `workdir`) with the image's shell (bash: see
 *   Dockerfile), and is killed as `docker stop` kills (SIGTERM to its main process); other tasks run
 *   in their sandbox and their whole process group gets SIGTERM. MESOS_SANDBOX is the host path
 *   of the sandbox. Every agent shares the host's hostname and file system.
 * - Agents offer their resources to every app at once, least loaded agent first (or in a random
 *   order: `offerOrder`, closer to a real cluster, where Marathon takes offers as they come);
 *   Marathon takes the first offer that fits. A dynamic host port is picked at random from the free ranges.
 * - The Mesos master sees a cut or dead agent's loss itself (no pings): after
 *   `agentUnreachableAfterSeconds` (Mesos: 5 pings × 15 s = 75 s; DC/OS: 20 × 15 s = 300 s) its tasks are UNREACHABLE. A cut
 *   agent makes no offers at once. While cut, status updates and kills for its tasks wait for the
 *   link to heal; Mesos-run checks go on on the agent (and can kill there), Marathon's fail.
 * - Marathon's own checks (HTTP, TCP) first run one interval after launch; Mesos's after
 *   delaySeconds. Readiness checks run only for tasks a deployment launched, until they pass.
 * - Launch backoff follows Marathon's RateLimiter (backoff.ts); a task runs as soon as it is
 *   launched (no staging), so the delay is advanced at launch.
 * - Rolling replacement kills the old tasks that are not healthy first, as Marathon does; among
 *   the rest Marathon keeps no set order, the model uses killSelection (or the test's `order`).
 * - Validation: only Marathon's rules that concern these definitions (validateApp lists them),
 *   not its whole RAML schema; without a `platform`, Enterprise's features with a plain Mesos
 *   agent's ports, 75 s and HOST an address.
 * - No DNS: every namespace's /etc/hosts names the infrastructure namespace master.mesos (and
 *   leader.mesos, zk-1.zk), where the stack runs ZooKeeper.
 * - Marathon's leadership is a switch (suspendMarathon/resumeMarathon), not an election in
 *   ZooKeeper: cutting ZooKeeper off does not by itself stop Marathon.
 * - Local persistent volumes are a directory per instance on its agent (a symlink at the
 *   containerPath in each of its sandboxes); a resident instance waits for its agent. A host
 *   volume is a directory per agent and hostPath, linked the same way into every task's sandbox on
 *   that agent; it outlives the tasks and goes with a killed agent (its disk is gone). Only
 *   containerPaths relative to the sandbox (no mount namespace); no pods, GPUs, roles; only host
 *   networking, one Marathon, one framework.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { type Logger, projectRoot } from '@redis-zk/core';
import { constraintPeers, DEFAULT_AGENT_RESOURCES, freeRanges, MESOS_DEFAULT_PORTS, type Offer, placeTask } from './agents';
import { type AppDefinition, assertValidApp } from './app-definition';
import { delayAdvanced, delayAfterFailure, delayOverdue, launchNotBefore } from './backoff';
import { type KillCandidate, killOrder, restartBudget, upgradeStep } from './deployment';
import { onExit } from './exit-hooks';
import { TaskChecks } from './health';
import { type Exit, ManagedProcess } from './managed-process';
import type { AppState, AppStatus, Deployment, DeploymentKind, DeploymentRun, ModelAgent, ModelOptions, ModelTask, Reservation } from './model-types';
import { ModelNetwork, type Netns } from './netns';
import { NsProbe } from './ns-probe';
import { PLATFORMS, type PlatformProfile } from './platforms';
import { signalKill, startTaskProcess } from './task-process';
import { taskEnvironment } from './task-env';
import { unreachableStage } from './unreachable';

export * from './model-types';

const TICK_MS = 100;

/**
 * Events (arguments): task-launched, task-health (task, health), task-ready, task-killing (task,
 * reason), task-terminal (task: Marathon got its terminal status; task.exit says how it ended),
 * task-unreachable, task-inactive, task-expunged, task-decommissioned (task, reason: an
 * unreachable task Marathon was told to kill, forgotten instead), task-reachable, app-waiting (appId, reason),
 * agent-cut, agent-healed, agent-killed, agent-unreachable, deployment-finished (deployment),
 * marathon-suspended, marathon-resumed.
 */
export class MarathonModel extends EventEmitter {
  readonly agents: ModelAgent[];
  readonly infra: Netns;
  /** Marathon's place on the network: its checks, and the tests' clients, come from the infra namespace. */
  readonly infraProbe: NsProbe;
  private readonly apps = new Map<string, AppState>();
  private readonly infraProcs = new Set<ManagedProcess>();
  private readonly tick: NodeJS.Timeout;
  private readonly unregisterExit: () => void;
  private readonly timeScale: number;
  private readonly rand: () => number;
  private stopping = false;
  /** Marathon has no leader (suspendMarathon): it decides nothing; status updates wait. */
  private leaderless = false;
  private readonly heldUpdates: ModelTask[] = [];
  private seq = 0;
  /** Marathon's `--enable_features` and the platform's timers (platforms.ts). */
  readonly platform: PlatformProfile | undefined;
  private readonly features: ReadonlySet<string>;

  private constructor(
    readonly network: ModelNetwork,
    readonly dir: string,
    private readonly o: ModelOptions,
    readonly log: Logger,
  ) {
    super();
    this.timeScale = o.timeScale ?? 1;
    this.rand = o.random ?? Math.random;
    this.infra = network.infra;
    this.platform = o.platform ? PLATFORMS[o.platform] : undefined;
    this.features = (this.platform ?? PLATFORMS['dcos-enterprise']).features;
    const hostNames = o.hostNames ?? this.platform?.hostIsName ?? false;
    const ports = o.portResources ?? this.platform?.ports ?? MESOS_DEFAULT_PORTS;
    const specs = Array.isArray(o.agents) ? o.agents : [];
    this.agents = network.agents.map((ns, i) => ({
      id: `agent-${i + 1}`,
      index: i,
      ns,
      name: `agent-${i + 1}`,
      hostname: hostNames ? `agent-${i + 1}` : ns.ip,
      resources: { ...DEFAULT_AGENT_RESOURCES, ports, ...specs[i]?.resources },
      attributes: { ...specs[i]?.attributes },
      state: 'active',
      linkUp: true,
      gone: false,
      pendingExits: [],
      pendingKills: new Set(),
    }));
    // What the operator put on every agent before deploying (e.g. the file the definitions read secrets from).
    for (const agent of this.agents)
      for (const [hostPath, content] of Object.entries(o.hostFiles ?? {})) {
        const file = this.hostPath(agent, hostPath);
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        fs.writeFileSync(file, content, { mode: 0o600 });
      }
    this.infraProbe = new NsProbe(this.infra, dir, log);
    // However this process ends, no task, helper or namespace outlives it.
    this.unregisterExit = onExit(() => this.destroySync());
    this.tick = setInterval(() => this.reconcile(), TICK_MS);
    this.tick.unref();
  }

  /** Makes the network (sweeping dead runs' leftovers first) and an empty Marathon. */
  static async start(o: ModelOptions = {}): Promise<MarathonModel> {
    const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-model-'));
    fs.mkdirSync(dir, { recursive: true });
    const log = o.log ?? pino({ name: 'marathon-model', level: 'debug' }, pino.destination({ dest: path.join(dir, 'model.log'), sync: true }));
    const agents = Array.isArray(o.agents) ? o.agents.length : (o.agents ?? 3);
    const network = ModelNetwork.create({ agents, ifaceName: o.ifaceName, infraNames: ['master.mesos', 'leader.mesos', 'zk-1.zk'], log });
    return new MarathonModel(network, dir, o, log);
  }

  /** Seconds of a definition to milliseconds of the model. */
  ms(seconds: number): number {
    return seconds * 1000 * this.timeScale;
  }

  // ---- apps ------------------------------------------------------------------------------------

  /**
   * Deploys apps (a group's apps, each with its own deployment, as Marathon does without
   * dependencies). Throws, as Marathon answers 422, if Marathon on this platform rejects one
   * (app-definition.ts validateApp); then nothing is deployed.
   */
  deploy(defs: readonly AppDefinition[]): Deployment[] {
    for (const def of defs) this.validate(def);
    return defs.map((def) => {
      if (this.apps.has(def.id)) throw new Error(`app ${def.id} already exists`);
      const version = new Date().toISOString();
      const app: AppState = { def, reservations: [], version, lastConfigChangeVersion: version, tasks: new Map(), orphans: new Set() };
      this.apps.set(def.id, app);
      this.log.info({ app: def.id, instances: def.instances }, 'app created');
      return this.beginDeployment(app, 'start');
    });
  }

  /** Marathon's validation of the app on this platform (features), thrown as its 422 answer. */
  private validate(def: AppDefinition): void {
    assertValidApp(def.raw, this.features, `app ${def.id} on ${this.platform?.title ?? 'the model (DC/OS Enterprise features)'}`);
  }

  /**
   * Replaces every task of the app with a new version (Marathon's restart, or an upgrade when
   * `def` is given and differs in more than instances), rolling under its upgradeStrategy. An
   * upgrade is a change of configuration: from then on UNIQUE and the other constraints ignore
   * the old version's tasks (Marathon's ResourceMatcher), so a new task may start on an agent
   * whose old task has not stopped yet; a restart keeps counting them. `order` overrides the
   * order old tasks are killed in (default: the not healthy first, then killSelection). `force`
   * replaces a deployment still under way (Marathon's ?force=true), which ends 'cancelled'.
   */
  restart(appId: string, opts: { def?: AppDefinition; order?: (old: ModelTask[]) => ModelTask[]; force?: boolean } = {}): Deployment {
    const app = this.app(appId);
    if (app.deployment && !app.deployment.finished) {
      if (!opts.force) throw new Error(`app ${appId} is being deployed (${app.deployment.id}); force to replace it`);
      app.deployment.finished = true;
      app.deployment.settle('cancelled');
      this.log.info({ app: appId, deployment: app.deployment.id }, 'deployment cancelled');
    }
    let configChange = false;
    if (opts.def) {
      if (opts.def.id !== appId) throw new Error(`the new definition is of ${opts.def.id}, not ${appId}`);
      this.validate(opts.def);
      configChange = JSON.stringify({ ...opts.def.raw, instances: 0 }) !== JSON.stringify({ ...app.def.raw, instances: 0 });
      app.def = opts.def;
      app.waiting = undefined;
    }
    app.version = new Date(Math.max(Date.now(), Date.parse(app.version) + 1)).toISOString();
    if (configChange) app.lastConfigChangeVersion = app.version;
    // TaskReplaceActor resets the launch delay when it starts.
    app.delay = undefined;
    const known = [...app.tasks.values()];
    const d = this.beginDeployment(app, 'restart', opts.order);
    d.budget = restartBudget(app.def.instances, app.def.upgradeStrategy, {
      healthy: known.filter((t) => t.state === 'running' && !t.killReason && t.health === 'healthy').length,
      current: known.length,
      resident: app.def.persistentVolumes.length > 0,
    });
    this.log.info({ app: appId, deployment: d.id, version: app.version, ...d.budget }, 'rolling replacement');
    this.reconcile();
    return d;
  }

  scale(appId: string, instances: number): Deployment {
    const app = this.app(appId);
    app.def = { ...app.def, instances };
    return this.beginDeployment(app, 'scale');
  }

  private beginDeployment(app: AppState, kind: DeploymentKind, order?: (old: ModelTask[]) => ModelTask[]): DeploymentRun {
    let settle!: (r: 'finished' | 'cancelled') => void;
    const done = new Promise<'finished' | 'cancelled'>((resolve) => {
      settle = resolve;
    });
    const d: DeploymentRun = {
      id: `deployment-${++this.seq}`,
      appId: app.def.id,
      kind,
      version: app.version,
      done,
      finished: false,
      killsOrdered: 0,
      settle,
      ...(order ? { order } : {}),
    };
    app.deployment = d;
    setImmediate(() => this.reconcile());
    return d;
  }

  /** Waits for a deployment, at most timeoutMs; on timeout the error says where the app stands. */
  async deploymentDone(d: Deployment, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const r = await Promise.race([d.done, timeout]);
    clearTimeout(timer);
    if (r !== 'finished')
      throw new Error(
        `deployment ${d.id} of ${d.appId} ${r === 'timeout' ? `not finished after ${timeoutMs} ms` : 'cancelled'}: ${JSON.stringify(this.status(d.appId))}`,
      );
  }

  private app(appId: string): AppState {
    const app = this.apps.get(appId);
    if (!app) throw new Error(`no app ${appId}`);
    return app;
  }

  definition(appId: string): AppDefinition {
    return this.app(appId).def;
  }

  /** The app's tasks Marathon knows (not expunged), every state. */
  tasks(appId?: string): ModelTask[] {
    const apps = appId ? [this.app(appId)] : [...this.apps.values()];
    return apps.flatMap((a) => [...a.tasks.values()]);
  }

  status(appId: string): AppStatus {
    const app = this.app(appId);
    const tasks = [...app.tasks.values()];
    return {
      id: appId,
      version: app.version,
      instances: app.def.instances,
      running: tasks.filter((t) => t.state === 'running').length,
      healthy: tasks.filter((t) => t.state === 'running' && t.health === 'healthy').length,
      unreachable: tasks.filter((t) => t.state === 'unreachable' || t.state === 'inactive').length,
      ...(app.waiting ? { waiting: app.waiting } : {}),
      ...(launchNotBefore(app.delay, (s) => this.ms(s)) > Date.now() ? { delayedUntil: launchNotBefore(app.delay, (s) => this.ms(s)) } : {}),
      ...(app.deployment && !app.deployment.finished ? { deployment: { id: app.deployment.id, kind: app.deployment.kind } } : {}),
    };
  }

  // ---- the loop ----------------------------------------------------------------------------------

  /** Everything Marathon and the Mesos master decide, from where things stand now. Synchronous. */
  private reconcile(): void {
    if (this.stopping || this.leaderless) return;
    const now = Date.now();
    for (const agent of this.agents) this.checkAgent(agent, now);
    for (const app of this.apps.values()) {
      this.checkUnreachable(app, now);
      const d = app.deployment && !app.deployment.finished ? app.deployment : undefined;
      if (d?.kind === 'restart') this.stepUpgrade(app, d);
      else this.keepCount(app, d);
    }
  }

  /** Keeps `instances` tasks: launches missing ones, kills surplus ones (killSelection). */
  private keepCount(app: AppState, d: DeploymentRun | undefined): void {
    const counted = [...app.tasks.values()].filter((t) => t.state !== 'inactive');
    const alive = counted.filter((t) => !t.killReason);
    const missing = app.def.instances - counted.length;
    if (missing > 0) this.launch(app, missing, d !== undefined);
    else if (alive.length > app.def.instances) {
      for (const t of killOrder(alive.map(candidate), app.def.killSelection).slice(0, alive.length - app.def.instances)) {
        this.kill(app.tasks.get(t.id)!, "scaling down to the app's instance count");
      }
    }
    if (d) {
      const good = [...app.tasks.values()].filter(
        (t) => t.version === app.version && t.state === 'running' && !t.killReason && t.health === 'healthy' && t.ready,
      );
      // Killed tasks count until they are gone: a scale-down ends when they have.
      if (good.length >= app.def.instances && counted.length === app.def.instances) this.finish(app, d);
    }
  }

  private stepUpgrade(app: AppState, d: DeploymentRun): void {
    const all = [...app.tasks.values()];
    const isOld = (t: ModelTask) => t.version !== app.version;
    // Every old task meant to run, an unreachable one kept within expungeAfterSeconds too.
    const oldAlive = all.filter((t) => isOld(t) && !t.killReason);
    const ordered = d.order ? d.order(oldAlive) : killOrder(oldAlive.map(candidate), app.def.killSelection).map((c) => app.tasks.get(c.id)!);
    const fresh = all.filter((t) => !isOld(t) && !t.killReason && t.state !== 'inactive');
    const step = upgradeStep({
      instances: app.def.instances,
      budget: d.budget!,
      old: ordered.map((t) => t.id),
      oldDying: all.filter((t) => isOld(t) && t.killReason).length,
      killsOrdered: d.killsOrdered,
      newActive: fresh.length,
      newReady: fresh.filter((t) => t.state === 'running' && t.health === 'healthy' && t.ready).length,
    });
    for (const id of step.kill) {
      d.killsOrdered += 1;
      this.kill(app.tasks.get(id)!, `replaced by version ${app.version} (${d.id})`);
    }
    if (step.launch > 0) this.launch(app, step.launch, true);
    if (step.done) this.finish(app, d);
  }

  private finish(app: AppState, d: DeploymentRun): void {
    d.finished = true;
    this.log.info({ app: app.def.id, deployment: d.id, kind: d.kind }, 'deployment finished');
    this.emit('deployment-finished', d);
    d.settle('finished');
  }

  // ---- launching -------------------------------------------------------------------------------

  private offers(): Offer[] {
    const used = new Map<ModelAgent, ModelTask[]>(this.agents.map((a) => [a, []]));
    for (const app of this.apps.values()) for (const t of [...app.tasks.values(), ...app.orphans]) used.get(t.agent)!.push(t);
    return this.agents
      .filter((a) => a.linkUp && !a.gone && a.state === 'active')
      .map((a) => ({ a, key: this.o.offerOrder === 'random' ? this.rand() : used.get(a)!.length }))
      .sort((x, y) => x.key - y.key || x.a.index - y.a.index)
      .map(({ a }) => a)
      .map((a) => {
        const tasks = used.get(a)!;
        const sum = (k: 'cpus' | 'mem' | 'disk') => tasks.reduce((n, t) => n + t.def[k], 0);
        return {
          agentId: a.id,
          hostname: a.hostname,
          attributes: a.attributes,
          cpus: a.resources.cpus - sum('cpus'),
          mem: a.resources.mem - sum('mem'),
          disk: a.resources.disk - sum('disk'),
          ports: freeRanges(
            a.resources.ports,
            tasks.flatMap((t) => t.hostPorts),
          ),
        };
      });
  }

  private launch(app: AppState, count: number, byDeployment: boolean): void {
    const now = Date.now();
    if (delayOverdue(app.delay, app.def, now, (s) => this.ms(s))) app.delay = undefined;
    if (now < launchNotBefore(app.delay, (s) => this.ms(s))) return;
    const waiting = (reason: string) => {
      if (app.waiting === reason) return;
      app.waiting = reason;
      this.log.warn({ app: app.def.id, reason }, 'waiting for resource offer');
      this.emit('app-waiting', app.def.id, reason);
    };
    for (let i = 0; i < count; i += 1) {
      // Constraints count the instances Marathon knows (not expunged or decommissioned ones) of the
      // current configuration (agents.ts constraintPeers).
      const placed = constraintPeers(
        [...app.tasks.values()].map((t) => ({ version: t.version, hostname: t.agent.hostname, attributes: t.agent.attributes })),
        app.lastConfigChangeVersion,
      );
      // A resident instance goes back to the agent holding its volumes, and only there.
      const resident = app.def.persistentVolumes.length > 0;
      const free = resident ? app.reservations.find((r) => !r.task) : undefined;
      if (resident && !free && app.reservations.length >= app.def.instances) {
        waiting('every reservation is in use');
        return;
      }
      const offers = free ? this.offers().filter((o) => o.agentId === free.agent.id) : this.offers();
      const p = placeTask(app.def, offers, placed, this.rand);
      if ('waiting' in p) {
        waiting(free ? `waiting for ${free.agent.id}, which holds the instance's persistent volumes: ${p.waiting || 'no offer'}` : p.waiting);
        return;
      }
      app.waiting = undefined;
      const agent = this.agents.find((a) => a.id === p.agentId)!;
      const reservation = free ?? (resident ? this.reserve(app, agent) : undefined);
      this.startTask(app, agent, p.hostPorts, byDeployment, reservation);
    }
  }

  /** Where the model keeps `hostPath` of `agent`'s file system. */
  hostPath(agent: ModelAgent, hostPath: string): string {
    return path.join(this.dir, agent.id, 'host', ...hostPath.split('/').filter(Boolean));
  }

  /** A new reservation for a resident instance on `agent` (its volumes live there from now on). */
  private reserve(app: AppState, agent: ModelAgent): Reservation {
    const id = `${app.def.id.replace(/^\//, '').replace(/\//g, '_')}#${app.reservations.length + 1}`;
    const r: Reservation = { id, agent, dir: path.join(this.dir, agent.id, 'volumes', id) };
    app.reservations.push(r);
    this.log.info({ app: app.def.id, reservation: id, agent: agent.id, volumes: app.def.persistentVolumes }, 'persistent volumes reserved');
    return r;
  }

  private startTask(app: AppState, agent: ModelAgent, hostPorts: number[], byDeployment: boolean, reservation?: Reservation): ModelTask {
    const def = app.def;
    const id = `${def.id.replace(/^\//, '').replace(/\//g, '_')}.${randomUUID()}`;
    const sandbox = path.join(this.dir, agent.id, id);
    fs.mkdirSync(sandbox, { recursive: true });
    // Mesos mounts each persistent volume at its containerPath in the sandbox.
    for (const v of reservation ? def.persistentVolumes : []) {
      const target = path.join(reservation!.dir, v.containerPath);
      fs.mkdirSync(target, { recursive: true });
      fs.symlinkSync(target, path.join(sandbox, v.containerPath));
    }
    // A host volume is the agent's own directory: whatever an earlier task there left in it.
    for (const v of def.hostVolumes) {
      const target = this.hostPath(agent, v.hostPath);
      fs.mkdirSync(target, { recursive: true });
      fs.symlinkSync(target, path.join(sandbox, v.containerPath));
    }
    const docker = def.container.type === 'DOCKER';
    const env = {
      // The image's PATH (the project's Node is on this process's PATH).
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...taskEnvironment({ app: def, version: app.version, taskId: id, hostname: agent.hostname, agentIp: agent.ns.ip, hostPorts, sandbox }),
      ...this.o.secrets?.(def),
      ...this.o.env,
    };
    const cwd = docker ? (this.o.workdir ?? projectRoot()) : sandbox;
    const shell = docker ? (this.o.dockerShell ?? '/bin/bash') : '/bin/sh';
    const proc = startTaskProcess({ app: def, taskId: id, agent: agent.ns, env, cwd, shell, sandbox });
    const startedAt = Date.now();
    const task: ModelTask = {
      id,
      appId: def.id,
      version: app.version,
      def,
      agent,
      hostPorts,
      sandbox,
      env,
      proc,
      startedAt,
      state: 'running',
      health: def.healthChecks.length === 0 ? 'healthy' : 'unknown',
      ready: true,
      checks: undefined as unknown as TaskChecks,
    };
    task.checks = new TaskChecks({
      app: def,
      target: { taskId: id, startedAt, agent: agent.ns, hostPorts, env, cwd, shell, sandbox },
      io: { marathon: this.infraProbe, agent: () => (agent.probe ??= new NsProbe(agent.ns, this.dir, this.log)) },
      ms: (s) => this.ms(s),
      minTimeoutMs: this.o.minCheckTimeoutMs ?? 2000,
      readiness: byDeployment,
      marathonMayCheck: () => !this.leaderless && (task.state === 'running' || task.state === 'killing'),
      onHealth: (health, detail) => {
        if (def.healthChecks.length === 0) return;
        task.health = health;
        this.log.info({ task: id, health, detail }, 'task health');
        this.emit('task-health', task, health);
        this.reconcile();
      },
      onKill: (reason, byMesos) => this.kill(task, reason, { health: true, local: byMesos }),
      onReady: () => {
        task.ready = true;
        this.emit('task-ready', task);
        this.reconcile();
      },
      log: this.log,
    });
    task.ready = task.checks.ready;
    if (reservation) reservation.task = task;
    app.tasks.set(id, task);
    // The task runs (the model has no staging): Marathon advances the app's launch delay.
    app.delay = delayAdvanced(app.delay, startedAt);
    task.checks.start();
    this.log.info({ task: id, app: def.id, version: app.version, agent: agent.id, host: agent.hostname, ports: hostPorts, pid: proc.pid }, 'task launched');
    this.emit('task-launched', task);
    void proc.exited.then((exit) => this.onProcessExit(task, exit));
    return task;
  }

  // ---- killing and ending ----------------------------------------------------------------------

  /**
   * Marathon kills a task: the kill reaches the agent now, or once its link heals. `local`: the
   * agent's executor decided it (a Mesos-run health check), so the link does not matter.
   */
  private kill(task: ModelTask, reason: string, o: { health?: boolean; local?: boolean } = {}): void {
    if (task.killReason || task.exit) return;
    const known = this.apps.get(task.appId)?.tasks.get(task.id) === task;
    if (!o.local && known && (task.state === 'unreachable' || task.state === 'inactive')) {
      this.decommission(task, reason);
      return;
    }
    task.killReason = o.health ? `health: ${reason}` : reason;
    if (task.state === 'running') task.state = 'killing';
    this.log.info({ task: task.id, reason: task.killReason }, 'killing task');
    this.emit('task-killing', task, task.killReason);
    if (o.local || task.agent.linkUp) this.deliverKill(task);
    else task.agent.pendingKills.add(task);
  }

  /**
   * Marathon cannot kill an unreachable task, so it forgets it (KillAction.Decommission): no
   * longer an instance of the app, and killed if it ever reports back.
   */
  private decommission(task: ModelTask, reason: string): void {
    const app = this.apps.get(task.appId);
    if (!app?.tasks.delete(task.id)) return;
    if (!task.agent.gone) app.orphans.add(task);
    this.log.info({ task: task.id, reason }, 'unreachable task decommissioned');
    this.emit('task-decommissioned', task, reason);
  }

  /**
   * An operator kills a task (`DELETE /v2/apps/<app>/tasks/<id>`, without scale): Marathon kills it
   * and launches another in its place; during a deployment an old one's place goes to the new version.
   */
  killTask(taskId: string, reason = 'killed by the operator'): void {
    const task = this.tasks().find((t) => t.id === taskId);
    if (!task) throw new Error(`no task ${taskId}`);
    this.kill(task, reason);
    this.reconcile();
  }

  private deliverKill(task: ModelTask): void {
    if (task.exit) return;
    task.cancelKill = signalKill(task.proc, task.def, this.ms(task.def.taskKillGracePeriodSeconds));
  }

  private onProcessExit(task: ModelTask, exit: Exit): void {
    task.exit = exit;
    task.cancelKill?.();
    task.checks.stop();
    // The executor's container ends with its main process: nothing of the task outlives it.
    task.proc.killGroup('SIGKILL');
    this.log.info({ task: task.id, exit, agent: task.agent.id }, 'task process ended');
    if (this.stopping) return;
    if (task.agent.gone) return; // the host is gone: no status update will ever come
    if (task.agent.linkUp) this.terminal(task);
    else task.agent.pendingExits.push(task);
  }

  /** The terminal status update reaches Marathon. */
  private terminal(task: ModelTask): void {
    if (this.leaderless) {
      this.heldUpdates.push(task);
      return;
    }
    const app = this.apps.get(task.appId);
    if (!app) return;
    app.orphans.delete(task);
    for (const r of app.reservations) if (r.task === task) r.task = undefined;
    if (!app.tasks.delete(task.id)) return;
    // TASK_FAILED or TASK_FINISHED (the process ended by itself) delays the next launch;
    // TASK_KILLED (any kill, a health check's too) does not (NotifyRateLimiterStep.limitWorthy).
    if (!task.killReason) {
      app.delay = delayAfterFailure(app.delay, app.def, Date.now(), (s) => this.ms(s));
      this.log.info({ app: app.def.id, task: task.id, delaySeconds: app.delay.seconds }, 'task failed: next launch delayed');
    }
    this.emit('task-terminal', task, task.exit);
    this.reconcile();
  }

  // ---- Marathon itself ----------------------------------------------------------------------------

  /**
   * Marathon loses its leader (as when it loses ZooKeeper): no launches, kills, deployment steps
   * or checks of its own until resumeMarathon(); Mesos goes on (agents, Mesos-run checks and the
   * kills they decide), and status updates wait for the new leader.
   */
  suspendMarathon(): void {
    this.leaderless = true;
    this.log.warn('Marathon has no leader');
    this.emit('marathon-suspended');
  }

  resumeMarathon(): void {
    if (!this.leaderless) return;
    this.leaderless = false;
    this.log.info('Marathon has a leader again');
    this.emit('marathon-resumed');
    for (const t of this.heldUpdates.splice(0)) this.terminal(t);
    this.reconcile();
  }

  // ---- agents ------------------------------------------------------------------------------------

  agent(id: string): ModelAgent {
    const a = this.agents.find((x) => x.id === id || x.hostname === id);
    if (!a) throw new Error(`no agent ${id}`);
    return a;
  }

  /** Cuts the agent's network link: its processes run on, cut off from everything. */
  cutAgent(id: string): void {
    const a = this.agent(id);
    if (!a.linkUp) return;
    this.network.cutLink(a.ns);
    a.linkUp = false;
    a.silentSince = Date.now();
    this.emit('agent-cut', a);
  }

  /** Heals the link; an agent the master had called unreachable registers again. */
  healAgent(id: string): void {
    const a = this.agent(id);
    if (a.linkUp || a.gone) return;
    this.network.healLink(a.ns);
    a.linkUp = true;
    a.silentSince = undefined;
    if (a.state === 'unreachable') {
      a.state = 'active';
      this.log.info({ agent: a.id }, 'agent registered again');
      for (const app of this.apps.values()) {
        for (const t of app.tasks.values()) {
          if (t.agent !== a || t.exit) continue;
          if (t.state === 'unreachable' || t.state === 'inactive') {
            t.state = t.killReason ? 'killing' : 'running';
            t.unreachableSince = undefined;
            this.emit('task-reachable', t);
          }
        }
        // Marathon no longer knows these: it kills what reports back.
        for (const t of app.orphans)
          if (t.agent === a && !t.exit) {
            t.state = t.killReason ? 'killing' : 'running';
            this.kill(t, 'expunged or decommissioned task came back');
          }
      }
    }
    this.emit('agent-healed', a);
    for (const t of a.pendingKills) this.deliverKill(t);
    a.pendingKills.clear();
    for (const t of a.pendingExits.splice(0)) this.terminal(t);
    this.reconcile();
  }

  /** The agent's host dies: every process of its tasks SIGKILLed, its link down, never back. */
  killAgent(id: string): void {
    const a = this.agent(id);
    if (a.gone) return;
    if (a.linkUp) this.network.cutLink(a.ns);
    a.linkUp = false;
    a.gone = true;
    a.silentSince ??= Date.now();
    for (const app of this.apps.values())
      for (const t of [...app.tasks.values(), ...app.orphans])
        if (t.agent === a) {
          t.checks.stop();
          t.proc.killGroup('SIGKILL');
        }
    a.probe?.stop();
    for (const pid of a.ns.pids())
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    // The host is gone, and its disk with it: host volumes there are lost.
    fs.rmSync(path.join(this.dir, a.id, 'host'), { recursive: true, force: true });
    this.log.warn({ agent: a.id }, 'agent killed');
    this.emit('agent-killed', a);
  }

  /**
   * From now on, how long the Mesos master waits before calling a silent agent unreachable
   * (seconds, scaled by timeScale like every other): a test can keep Mesos's real 75 s while it
   * cuts an agent for a real-time partition, then shorten it for an agent loss.
   */
  setAgentUnreachableAfter(seconds: number): void {
    this.agentUnreachableAfterSeconds = seconds;
    this.log.info({ seconds }, 'agent unreachable timeout changed');
  }

  private agentUnreachableAfterSeconds: number | undefined;

  private checkAgent(a: ModelAgent, now: number): void {
    if (a.state !== 'active' || a.silentSince === undefined) return;
    if (
      now - a.silentSince <
      this.ms(this.agentUnreachableAfterSeconds ?? this.o.agentUnreachableAfterSeconds ?? this.platform?.agentUnreachableAfterSeconds ?? 75)
    )
      return;
    a.state = 'unreachable';
    this.log.warn({ agent: a.id }, 'agent unreachable');
    this.emit('agent-unreachable', a);
    for (const app of this.apps.values()) {
      for (const t of [...app.tasks.values()]) {
        if (t.agent !== a) continue;
        t.state = 'unreachable';
        t.unreachableSince = now;
        this.emit('task-unreachable', t);
        // An old task that becomes unreachable during a replacement is given up (TaskReplaceActor:
        // considered terminal, its goal set to Decommissioned) and its place goes to the new version.
        const d = app.deployment;
        if (d && !d.finished && d.kind === 'restart' && t.version !== app.version && !t.killReason) this.decommission(t, `unreachable during ${d.id}`);
      }
    }
  }

  private checkUnreachable(app: AppState, now: number): void {
    const strategy = app.def.unreachableStrategy ?? this.o.defaultUnreachableStrategy ?? { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 };
    for (const t of [...app.tasks.values()]) {
      if (t.unreachableSince === undefined) continue;
      const stage = unreachableStage(now - t.unreachableSince, strategy, (s) => this.ms(s));
      if (stage !== 'unreachable' && t.state === 'unreachable') {
        t.state = 'inactive';
        this.log.info({ task: t.id }, 'unreachable task inactive: replaced');
        this.emit('task-inactive', t);
      }
      if (stage === 'expunged') {
        app.tasks.delete(t.id);
        if (!t.agent.gone) app.orphans.add(t);
        this.log.info({ task: t.id }, 'unreachable task expunged');
        this.emit('task-expunged', t);
      }
    }
  }

  // ---- the infrastructure's namespace ----------------------------------------------------------------

  /** A process the model stops with itself (ZooKeeper, a test's client). */
  track(proc: ManagedProcess): ManagedProcess {
    this.infraProcs.add(proc);
    void proc.exited.then(() => this.infraProcs.delete(proc));
    return proc;
  }

  /** Starts a process in the infra namespace (where ZooKeeper and the clients live), stopped with the model. */
  runInInfra(label: string, cmd: string, args: readonly string[], o: { env?: NodeJS.ProcessEnv; cwd?: string; logFile?: string } = {}): ManagedProcess {
    const [file, argv] = this.infra.wrap(cmd, args);
    return this.track(
      new ManagedProcess(label, file, argv, {
        env: o.env ?? process.env,
        cwd: o.cwd ?? this.dir,
        logFile: o.logFile ?? path.join(this.dir, `${label.replace(/[^\w.-]/g, '_')}.log`),
      }),
    );
  }

  // ---- stopping ----------------------------------------------------------------------------------

  /** Stops every task (as Marathon kills them), helper and process, then removes the network. */
  async stop(opts: { keepFiles?: boolean } = {}): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.tick);
    const tasks = [...this.apps.values()].flatMap((a) => [...a.tasks.values(), ...a.orphans]);
    for (const app of this.apps.values()) app.deployment?.settle('cancelled');
    for (const t of tasks) {
      t.checks.stop();
      if (!t.exit) this.deliverKill(t);
    }
    await Promise.all(tasks.map((t) => t.proc.exited));
    await Promise.all([...this.infraProcs].map((p) => p.stop(5000)));
    this.destroySync();
    this.unregisterExit();
    if (!opts.keepFiles) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Kills everything by pid and removes the network; what the exit hook runs. */
  private destroySync(): void {
    this.stopping = true;
    clearInterval(this.tick);
    for (const app of this.apps.values())
      for (const t of [...app.tasks.values(), ...app.orphans]) {
        t.checks.stop();
        t.proc.killGroup('SIGKILL');
      }
    for (const p of this.infraProcs) p.killGroup('SIGKILL');
    this.infraProbe.stop();
    for (const a of this.agents) a.probe?.stop();
    this.network.destroy();
  }
}

const candidate = (t: ModelTask): KillCandidate => ({
  id: t.id,
  startedAt: t.startedAt,
  health: t.state === 'unreachable' || t.state === 'inactive' ? 'unreachable' : t.health,
});
