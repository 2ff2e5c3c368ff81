import path from 'node:path';
import type { Logger } from '@redis-zk/core';
import type { AppDefinition, HealthCheck, ReadinessCheck } from './app-definition';
import { applyCheckResult, type CheckResult, type CheckState, type Health, httpHealthy, NEW_CHECK, taskHealth } from './health-rules';
import { ManagedProcess } from './managed-process';
import type { Netns } from './netns';
import type { NsProbe } from './ns-probe';

/** What a check needs to know of its task. */
export interface CheckTarget {
  taskId: string;
  startedAt: number;
  agent: Netns;
  hostPorts: readonly number[];
  env: Record<string, string>;
  cwd: string;
  shell: string;
  sandbox: string;
}

/** Where checks run from: Marathon's own (HTTP, TCP, readiness) from the infrastructure's namespace, Mesos's on the agent. */
export interface CheckIO {
  marathon: NsProbe;
  agent: () => NsProbe;
}

/** Mesos runs COMMAND and MESOS_* checks on the agent (executor); Marathon runs HTTP and TCP itself. */
export const runByMesos = (hc: HealthCheck): boolean => hc.protocol === 'COMMAND' || hc.protocol.startsWith('MESOS_');

function checkPort(hc: HealthCheck, t: CheckTarget): number {
  return hc.port ?? t.hostPorts[hc.portIndex ?? 0] ?? 0;
}

/** A COMMAND check: the task's shell, env and working directory, on its agent; exit 0 passes. */
async function runCommand(command: string, t: CheckTarget, timeoutMs: number, running?: Set<ManagedProcess>): Promise<CheckResult> {
  const [cmd, args] = t.agent.wrap(t.shell, ['-c', command]);
  const proc = new ManagedProcess(`${t.taskId} health`, cmd, args, { env: t.env, cwd: t.cwd, logFile: path.join(t.sandbox, 'health.log') });
  running?.add(proc);
  const timer = setTimeout(() => proc.killGroup('SIGKILL'), timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  proc.killGroup('SIGKILL');
  running?.delete(proc);
  if (exit.code === 0) return { ok: true };
  return { ok: false, detail: exit.signal === 'SIGKILL' ? `timed out after ${timeoutMs} ms` : `exit ${exit.code ?? exit.signal}` };
}

/** One health check, once, as defined: where it runs from and what passes. */
export async function runHealthCheck(hc: HealthCheck, t: CheckTarget, io: CheckIO, timeoutMs: number, running?: Set<ManagedProcess>): Promise<CheckResult> {
  try {
    switch (hc.protocol) {
      case 'COMMAND':
        return await runCommand(hc.command!, t, timeoutMs, running);
      case 'HTTP': {
        const r = await io.marathon.http(`http://${t.agent.ip}:${checkPort(hc, t)}${hc.path}`, timeoutMs);
        return httpHealthy(r.status) ? { ok: true } : { ok: false, detail: `HTTP ${r.status}` };
      }
      // Mesos's checks connect to the task from the agent itself, on 127.0.0.1.
      case 'MESOS_HTTP': {
        const r = await io.agent().http(`http://127.0.0.1:${checkPort(hc, t)}${hc.path}`, timeoutMs);
        return httpHealthy(r.status) ? { ok: true } : { ok: false, detail: `HTTP ${r.status}` };
      }
      case 'TCP':
        await io.marathon.tcp(t.agent.ip, checkPort(hc, t), timeoutMs);
        return { ok: true };
      case 'MESOS_TCP':
        await io.agent().tcp('127.0.0.1', checkPort(hc, t), timeoutMs);
        return { ok: true };
    }
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

/** One readiness check, once: Marathon's GET on the named port; ready on one of httpStatusCodesForReady. */
export async function runReadinessCheck(rc: ReadinessCheck, portIndex: number, t: CheckTarget, io: CheckIO, timeoutMs: number): Promise<CheckResult> {
  try {
    const r = await io.marathon.http(`http://${t.agent.ip}:${t.hostPorts[portIndex]}${rc.path}`, timeoutMs);
    return rc.httpStatusCodesForReady.includes(r.status) ? { ok: true } : { ok: false, detail: `HTTP ${r.status}` };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

export interface TaskChecksOptions {
  app: AppDefinition;
  target: CheckTarget;
  io: CheckIO;
  /** Seconds of the definition to milliseconds of the model (the time scale). */
  ms: (seconds: number) => number;
  minTimeoutMs: number;
  /** Whether readiness checks run for this task (it was launched by a deployment). */
  readiness: boolean;
  /** False while Marathon cannot check the task (its agent is unreachable): Marathon's own checks pause. */
  marathonMayCheck: () => boolean;
  onHealth: (health: Health, detail: string | undefined) => void;
  /** byMesos: the agent's executor kills the task itself, whether or not Marathon can reach the agent. */
  onKill: (reason: string, byMesos: boolean) => void;
  onReady: () => void;
  log: Logger;
}

/** Every health and readiness check of one task, each on its own interval, until stopped. */
export class TaskChecks {
  readonly states: CheckState[];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** COMMAND checks under way, killed on stop. */
  private readonly running = new Set<ManagedProcess>();
  private stopped = false;
  private health: Health;
  ready: boolean;

  constructor(private readonly o: TaskChecksOptions) {
    this.states = o.app.healthChecks.map(() => NEW_CHECK);
    this.health = taskHealth(this.states);
    this.ready = !(o.readiness && o.app.readinessChecks.length > 0);
  }

  get current(): Health {
    return this.health;
  }

  private later(ms: number, fn: () => Promise<void>): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void fn();
    }, ms);
    this.timers.add(timer);
  }

  private timeout(seconds: number): number {
    return Math.max(this.o.minTimeoutMs, this.o.ms(seconds));
  }

  start(): void {
    this.o.app.healthChecks.forEach((hc, i) => {
      const byMesos = runByMesos(hc);
      const loop = async () => {
        if (byMesos || this.o.marathonMayCheck()) {
          const result = await runHealthCheck(hc, this.o.target, this.o.io, this.timeout(hc.timeoutSeconds), this.running);
          if (this.stopped) return;
          this.apply(i, hc, result);
        }
        this.later(this.o.ms(hc.intervalSeconds), loop);
      };
      this.later(this.o.ms(byMesos ? hc.delaySeconds : hc.intervalSeconds), loop);
    });
    if (!this.ready) {
      const checks = this.o.app.readinessChecks;
      const loop = async () => {
        const results = await Promise.all(
          checks.map((rc) =>
            runReadinessCheck(
              rc,
              this.o.app.portDefinitions.findIndex((p) => p.name === rc.portName),
              this.o.target,
              this.o.io,
              this.timeout(rc.timeoutSeconds),
            ),
          ),
        );
        if (this.stopped) return;
        if (results.every((r) => r.ok)) {
          this.ready = true;
          this.o.log.debug({ task: this.o.target.taskId }, 'ready');
          this.o.onReady();
          return;
        }
        this.o.log.debug({ task: this.o.target.taskId, not: results.filter((r) => !r.ok).map((r) => r.detail) }, 'not ready yet');
        this.later(this.o.ms(Math.min(...checks.map((c) => c.intervalSeconds))), loop);
      };
      void loop();
    }
  }

  private apply(i: number, hc: HealthCheck, result: CheckResult): void {
    const { state, kill } = applyCheckResult(
      this.states[i]!,
      result,
      {
        gracePeriodMs: this.o.ms(hc.gracePeriodSeconds),
        maxConsecutiveFailures: hc.maxConsecutiveFailures,
        byMesos: runByMesos(hc),
      },
      Date.now() - this.o.target.startedAt,
    );
    this.states[i] = state;
    const health = taskHealth(this.states);
    if (!result.ok)
      this.o.log.debug({ task: this.o.target.taskId, check: hc.protocol, failures: state.consecutiveFailures, detail: result.detail }, 'health check failed');
    if (health !== this.health) {
      this.health = health;
      this.o.onHealth(health, result.detail);
    }
    if (kill) this.o.onKill(`${hc.protocol} health check failed ${state.consecutiveFailures} times in a row (${result.detail})`, runByMesos(hc));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const p of this.running) p.killGroup('SIGKILL');
  }
}
