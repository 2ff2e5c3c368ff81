/**
 * The nemesis's fault schedule: a pure function of a seed. The same seed always gives the same
 * faults, at the same offsets, with the same targets (a target is a role and an index, resolved
 * against the tasks alive when the fault fires, since Marathon-style replacements change ports).
 */

/** mulberry32: a 32-bit seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type App = 'redis' | 'sentinel' | 'watcher';
/** Which redis task: the set's master (as ZooKeeper names it when the fault fires) or a replica. */
export type Role = 'master' | 'replica';

export type Fault =
  /** kill -9 of the redis-server under a live redis-wrapper. */
  | { kind: 'kill-server'; role: Role; pick: number }
  /** kill -9 of a whole task (its process group); Marathon replaces it with a fresh sandbox on new ports. */
  | { kind: 'kill-task'; app: App; role?: Role; pick: number }
  /** A planned stop: SIGTERM, the app's kill grace, then the replacement. */
  | { kind: 'stop-task'; app: App; role?: Role; pick: number }
  /** SIGSTOP of a task's process group for `ms`, then SIGCONT. */
  | { kind: 'freeze'; app: App; role?: Role; pick: number; ms: number }
  /** ZooKeeper hung (SIGSTOP) or down (stopped, then started on its data) for `ms`. */
  | { kind: 'zk-outage'; mode: 'hang' | 'down'; ms: number }
  /** One member of the 3-server ZooKeeper ensemble (the leader or a follower) hung or stopped for `ms`. */
  | { kind: 'zk-member'; member: 'leader' | 'follower'; pick: number; mode: 'hang' | 'down'; ms: number }
  /** An app's configuration changed (Marathon's upgrade): each task replaced in turn by one with the new setting. */
  | { kind: 'config-change'; app: App; order: number }
  /** `redis-zk switchover <set>`, the operator's command. */
  | { kind: 'switchover' }
  /** Every task of the app stopped in turn (SIGTERM), each replacement ready before the next stop. */
  | { kind: 'rolling-restart'; app: App; order: number }
  /** An agent cut off the network for `ms`, then healed (the Marathon model only): the master's, or another holding a task (by index). */
  | { kind: 'partition'; agent: 'master' | 'other'; pick: number; ms: number };

export type FaultKind = Fault['kind'];

export interface ScheduledFault {
  /** Offset from the start of the schedule, ms. */
  at: number;
  fault: Fault;
}

export interface Schedule {
  seed: number;
  faults: ScheduledFault[];
}

export interface ScheduleOptions {
  /** How many faults (default 8). */
  faults?: number;
  /** Gap between two faults' starts, ms (default 2000-10000). */
  minGapMs?: number;
  maxGapMs?: number;
  /** Which kinds may be drawn (default all), with their weights. */
  weights?: Partial<Record<FaultKind, number>>;
  /** Longest freeze (default 15000; shortest 1000). */
  maxFreezeMs?: number;
  /** Longest ZooKeeper outage (default 15000; shortest 2000). */
  maxZkOutageMs?: number;
  /** Longest partition of an agent (default 30000; shortest 2000). */
  maxPartitionMs?: number;
}

/** Where the schedule runs: the loopback stack, or the Marathon model with agents in network namespaces. */
export type Mode = 'loopback' | 'model';

export const DEFAULT_WEIGHTS: Record<FaultKind, number> = {
  'kill-server': 3,
  'kill-task': 4,
  'stop-task': 2,
  freeze: 4,
  'zk-outage': 1,
  switchover: 2,
  'rolling-restart': 1,
  'zk-member': 1,
  'config-change': 1,
  partition: 0,
};

/**
 * The model's: a partition drawn as often as a freeze; no member of an ensemble lost (the model's
 * ZooKeeper is one server). Loopback draws no partition, and its schedules are those drawn before
 * partitions existed (a kind of weight 0 takes no part in the draw).
 */
export const MODEL_WEIGHTS: Record<FaultKind, number> = { ...DEFAULT_WEIGHTS, 'zk-member': 0, partition: 4 };

export const weightsFor = (mode: Mode): Record<FaultKind, number> => (mode === 'model' ? MODEL_WEIGHTS : DEFAULT_WEIGHTS);

/**
 * Faults that end a redis task (its replacement starts with an empty sandbox), or cut its master
 * off (Sentinel promotes a replica and the cut master's data is thrown away on healing, as after
 * its kill): gated on two synced replicas.
 */
export function destroysData(f: Fault): boolean {
  if (f.kind === 'partition') return f.agent === 'master';
  if (f.kind === 'kill-server') return true;
  if (f.kind === 'kill-task' || f.kind === 'stop-task' || f.kind === 'rolling-restart' || f.kind === 'config-change') return f.app === 'redis';
  return false;
}

const APPS: readonly App[] = ['redis', 'sentinel', 'watcher'];

/** The schedule of `seed`: pure, the same seed and options give the same schedule. */
export function generateSchedule(seed: number, o: ScheduleOptions = {}, mode: Mode = 'loopback'): Schedule {
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pickOf = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const weights = { ...weightsFor(mode), ...o.weights };
  const kinds = (Object.keys(weights) as FaultKind[]).filter((k) => weights[k] > 0);
  const total = kinds.reduce((s, k) => s + weights[k], 0);
  const drawKind = (): FaultKind => {
    let x = rnd() * total;
    for (const k of kinds) {
      x -= weights[k];
      if (x < 0) return k;
    }
    return kinds.at(-1)!;
  };
  const role = (): Role => (rnd() < 0.5 ? 'master' : 'replica');
  const maxFreeze = o.maxFreezeMs ?? 15000;
  const maxZk = o.maxZkOutageMs ?? 15000;
  const maxPartition = o.maxPartitionMs ?? 30000;
  const faults: ScheduledFault[] = [];
  let at = 0;
  for (let i = 0; i < (o.faults ?? 8); i += 1) {
    at += int(o.minGapMs ?? 2000, o.maxGapMs ?? 10000);
    const kind = drawKind();
    let fault: Fault;
    switch (kind) {
      case 'kill-server':
        fault = { kind, role: role(), pick: int(0, 1) };
        break;
      case 'kill-task':
      case 'stop-task': {
        const app = pickOf(APPS);
        fault = app === 'redis' ? { kind, app, role: role(), pick: int(0, 1) } : { kind, app, pick: int(0, 2) };
        break;
      }
      case 'freeze': {
        const app = pickOf(APPS);
        const ms = int(1000, maxFreeze);
        fault = app === 'redis' ? { kind, app, role: role(), pick: int(0, 1), ms } : { kind, app, pick: int(0, 2), ms };
        break;
      }
      case 'zk-outage':
        fault = { kind, mode: rnd() < 0.5 ? 'hang' : 'down', ms: int(2000, maxZk) };
        break;
      case 'switchover':
        fault = { kind };
        break;
      case 'rolling-restart':
      case 'config-change':
        fault = { kind, app: pickOf(APPS), order: int(0, 5) };
        break;
      case 'zk-member':
        fault = { kind, member: rnd() < 0.5 ? 'leader' : 'follower', pick: int(0, 1), mode: rnd() < 0.5 ? 'hang' : 'down', ms: int(2000, maxZk) };
        break;
      case 'partition':
        fault = { kind, agent: rnd() < 0.5 ? 'master' : 'other', pick: int(0, 2), ms: int(2000, maxPartition) };
        break;
    }
    faults.push({ at, fault });
  }
  return { seed, faults };
}

/** One line per fault, for the report. */
export function describeFault(f: Fault): string {
  const who = 'app' in f ? `${f.app}${'role' in f && f.role ? ` ${f.role}` : ''}${'pick' in f ? ` #${f.pick}` : ''}` : '';
  switch (f.kind) {
    case 'kill-server':
      return `kill -9 redis-server of the ${f.role} #${f.pick}`;
    case 'kill-task':
      return `kill -9 task: ${who}`;
    case 'stop-task':
      return `planned stop (SIGTERM): ${who}`;
    case 'freeze':
      return `freeze ${f.ms} ms: ${who}`;
    case 'zk-outage':
      return `ZooKeeper ${f.mode === 'hang' ? 'hung (SIGSTOP)' : 'stopped'} ${f.ms} ms`;
    case 'switchover':
      return 'redis-zk switchover';
    case 'rolling-restart':
      return `rolling restart of ${f.app} (order ${f.order})`;
    case 'zk-member':
      return `ZooKeeper ${f.member} #${f.pick} ${f.mode === 'hang' ? 'hung (SIGSTOP)' : 'stopped'} ${f.ms} ms`;
    case 'config-change':
      return `config change of ${f.app} (order ${f.order})`;
    case 'partition':
      return `partition ${f.ms} ms: the ${f.agent === 'master' ? "master's agent" : `agent #${f.pick} of the others`}`;
  }
}

export function describeSchedule(s: Schedule): string {
  return s.faults.map((f) => `  +${(f.at / 1000).toFixed(1)}s  ${describeFault(f.fault)}`).join('\n');
}

/** A fresh seed (for --runs): from the clock and Math.random, printed so it can be replayed. */
export const freshSeed = (): number => (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
