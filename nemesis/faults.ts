import { sleep } from '../packages/local-stack/src/harness';
import { type RunContext, SET } from './context';
import type { Task } from './deployment';
import { partition } from './partition';
import { type App, describeFault, destroysData, type Fault } from './schedule';

/** A fault's bookkeeping in the history: its start (with its targets), its end, or why it was skipped. */
export interface FaultRecord {
  id: number;
  start(tasks: Task[]): void;
  end(): void;
  skip(reason: string): void;
}

/** Runs faults and records each, numbered in the order they fire. */
export class FaultRunner {
  private seq = 0;
  private zkAway = false;
  /** Each app's configuration version, bumped by a config change. */
  private readonly configVersion = new Map<App, number>();

  constructor(
    private readonly ctx: RunContext,
    private readonly t0: number,
  ) {}

  async run(f: Fault): Promise<void> {
    const r = this.record(f);
    // A restart is gated step by step (loopback) or by Marathon's readiness checks (model).
    if (destroysData(f) && f.kind !== 'rolling-restart' && f.kind !== 'config-change') {
      const why = await this.ctx.gate();
      if (why) return r.skip(why);
    }
    switch (f.kind) {
      case 'kill-server':
        return this.killServer(r, f);
      case 'kill-task':
      case 'stop-task':
      case 'freeze':
        return this.onTask(r, f);
      case 'zk-outage':
        return this.zkOutage(r, f);
      case 'zk-member':
        return this.zkMember(r, f);
      case 'switchover': {
        r.start([]);
        const { code, out, err } = await this.ctx.runCli(['switchover', SET], 60000);
        this.ctx.note(`switchover exited ${code}: ${(out + err).trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`);
        return r.end();
      }
      case 'rolling-restart':
        r.start([]);
        await this.restart(f.app, f.order, describeFault(f), r);
        return r.end();
      case 'partition':
        return partition(this.ctx, r, f);
      case 'config-change': {
        // Marathon's upgrade: the new configuration for every task launched from now on, the old
        // tasks replaced one at a time under the upgrade strategy (ready before the next stop).
        const version = (this.configVersion.get(f.app) ?? 0) + 1;
        this.configVersion.set(f.app, version);
        const env = configChange(f.app, version);
        r.start([]);
        this.ctx.note(
          `config change of ${f.app}: ${Object.entries(env)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
        );
        await this.restart(f.app, f.order, describeFault(f), r, env);
        return r.end();
      }
    }
  }

  private record(f: Fault): FaultRecord {
    const id = ++this.seq;
    const what = describeFault(f);
    const { ctx, t0 } = this;
    const at = () => `+${((Date.now() - t0) / 1000).toFixed(1)}s`;
    return {
      id,
      start: (tasks) => {
        const addresses = tasks.map((x) => x.address);
        ctx.rec({ t: Date.now(), type: 'fault-start', id, what, tasks: tasks.map((x) => x.id), addresses });
        ctx.say(`  ${at()} ${what}: ${addresses.join(', ') || '-'}`);
      },
      end: () => {
        const t = Date.now();
        ctx.rec({ t, type: 'fault-end', id, what });
        ctx.h.lastFaultEnd = Math.max(ctx.h.lastFaultEnd, t);
      },
      skip: (reason) => {
        ctx.rec({ t: Date.now(), type: 'fault-skip', id, what, reason });
        ctx.say(`  ${at()} skipped ${what}: ${reason}`);
      },
    };
  }

  private async killServer(r: FaultRecord, f: Extract<Fault, { kind: 'kill-server' }>): Promise<void> {
    const t = this.ctx.target('redis', f.role, f.pick);
    if (!t) return r.skip(`no ${f.role}`);
    const pids = this.ctx.dep.serverPids(t);
    if (pids.length === 0) return r.skip(`no redis-server in ${t.id}`);
    r.start([t]);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    r.end();
  }

  private async onTask(r: FaultRecord, f: Extract<Fault, { kind: 'kill-task' | 'stop-task' | 'freeze' }>): Promise<void> {
    const t = this.ctx.target(f.app, f.role, f.pick);
    if (!t) return r.skip(`no ${f.app} task`);
    r.start([t]);
    const { dep } = this.ctx;
    if (f.kind === 'kill-task') {
      dep.signal(t, 'SIGKILL');
      await dep.exited(t, 10000);
    } else if (f.kind === 'stop-task') await dep.plannedStop(t);
    else {
      dep.signal(t, 'SIGSTOP');
      await sleep(f.ms);
      dep.signal(t, 'SIGCONT');
    }
    r.end();
  }

  private async zkOutage(r: FaultRecord, f: Extract<Fault, { kind: 'zk-outage' }>): Promise<void> {
    if (this.zkAway) return r.skip('ZooKeeper is already away');
    r.start([]);
    await this.away(this.ctx.dep.zk, f.mode, f.ms);
    r.end();
  }

  /** ZooKeeper (the ensemble, or one member) hung or stopped for `ms`, then back; one such fault at a time. */
  private async away(
    target: { pause(): void; cont(): void; stop(): Promise<void>; resume(timeoutMs?: number): Promise<void> },
    mode: 'hang' | 'down',
    ms: number,
  ): Promise<void> {
    this.zkAway = true;
    try {
      if (mode === 'hang') {
        target.pause();
        await sleep(ms);
        target.cont();
      } else {
        await target.stop();
        await sleep(ms);
        await target.resume(60000);
      }
    } finally {
      this.zkAway = false;
    }
  }

  /** One member of the ensemble hung or stopped (the leader, or a follower); the others keep a quorum. */
  private async zkMember(r: FaultRecord, f: Extract<Fault, { kind: 'zk-member' }>): Promise<void> {
    const members = this.ctx.dep.zk.members;
    if (members.length < 3) return r.skip('ZooKeeper is one server, not an ensemble');
    if (this.zkAway) return r.skip('ZooKeeper is already away');
    const modes = await Promise.all(members.map((m) => m.mode()));
    const candidates = members.filter((_, i) => (f.member === 'leader' ? modes[i] === 'leader' : modes[i] === 'follower'));
    const m = candidates[f.pick % Math.max(1, candidates.length)];
    if (!m) return r.skip(`no ${f.member} answers (${modes.join(', ')})`);
    r.start([]);
    this.ctx.note(`ZooKeeper member ${m.connectString} (${f.member}) ${f.mode === 'hang' ? 'hung' : 'stopped'}`);
    await this.away(m, f.mode, f.ms);
    r.end();
  }

  /** The deployment's rolling replacement of `app` (an upgrade with `env`), each old task's stop recorded as part of the fault. */
  private async restart(app: App, order: number, what: string, r: FaultRecord, env?: Record<string, string>): Promise<void> {
    const { ctx } = this;
    await ctx.dep.restart(app, {
      ...(env ? { env } : {}),
      order,
      what,
      onStop: (t) => ctx.rec({ t: Date.now(), type: 'fault-start', id: r.id, what: `${what}: stop ${t.id}`, tasks: [t.id], addresses: [t.address] }),
      gate: () => ctx.gate(),
      ready: (a, t) => ctx.ready(a, t),
      note: (text) => ctx.note(text),
    });
  }
}

/**
 * A configuration change an operator makes, per app: a real setting of each program (never one
 * that may drop data: volatile-lru evicts only keys with a TTL, and the clients set none), alternating
 * between two values (version 1, 2, …), so old and new tasks run side by side during the upgrade.
 */
export function configChange(app: App, version: number): Record<string, string> {
  const odd = version % 2 === 1;
  switch (app) {
    case 'redis':
      return { REDIS_MAXMEMORY_POLICY: odd ? 'volatile-lru' : 'noeviction', CONFIG_VERSION: String(version) };
    case 'sentinel':
      return { SENTINEL_PARALLEL_SYNCS: odd ? '2' : '1', CONFIG_VERSION: String(version) };
    case 'watcher':
      return { RECONCILE_INTERVAL_MS: odd ? '5000' : '10000', CONFIG_VERSION: String(version) };
  }
}
