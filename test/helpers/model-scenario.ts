import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import Redis from 'ioredis';
import pino from 'pino';
import { Directory } from '../../packages/core/src/zk/directory';
import { ZkClient } from '../../packages/core/src/zk/client';
import { loadAppDefinitions } from '../../packages/local-stack/src/app-definition';
import { ManagedProcess } from '../../packages/local-stack/src/managed-process';
import type { ModelAgent, ModelTask } from '../../packages/local-stack/src/marathon-model';
import { ModelStack } from '../../packages/local-stack/src/model-stack';
import { NsProbe } from '../../packages/local-stack/src/ns-probe';
import type { PlatformName } from '../../packages/local-stack/src/platforms';
import { ROOT } from './root';
import { sleep, waitFor } from './wait';
import { FAST_SENTINEL } from '../../packages/local-stack/src/harness';
import { formatAddress } from '../../packages/core/src/address';
import { pairsToMap, parseSentinelReplicas } from '../../packages/core/src/sentinel/query';

/**
 * The Marathon scenarios (test/chaos/marathon-*.test.ts): the shipped group, read unchanged, on
 * the Marathon model, with clients in the model's namespaces.
 *
 * SCALING — the one place it is written down:
 * - Marathon and Mesos run at `timeScale` 0.2: every duration of the definitions and of Mesos
 *   (check intervals and grace periods, kill grace, backoff, the agent-unreachable timer) is a
 *   fifth. Health-check kills, deployments and agent loss keep their proportions.
 * - The programs' own timings are not scaled by the model; where behaviour does not depend on
 *   their length they are shortened the same way: Sentinel down-after 2 s and failover-timeout
 *   6 s (the chaos suite's; shipped 5 s and 60 s), and SWITCHOVER_TIMEOUT_MS 4 s (shipped 20 s,
 *   a fifth, so it stays below the scaled 30 s kill grace as the shipped values do).
 * - Left at their real length because the scenario is about them: the 30 s partition (with
 *   Mesos's agent-unreachable timer at its real 75 s meanwhile, so a 30 s partition is not an
 *   agent loss), Redis's min-replicas-max-lag (10 s) and ZooKeeper's session timeout (10 s).
 *   The ZooKeeper outage's 3 minutes are scaled: 36 s, three times as long as the 12 s (6 × 10 s
 *   scaled) after which Marathon killed a watcher whose health check failed.
 */
export const SCALE = 0.2;
export const SCENARIO_ENV = {
  ...FAST_SENTINEL,
  SWITCHOVER_TIMEOUT_MS: String(20000 * SCALE),
} as const;

export const REDIS = '/redis-zk/redis';
export const SENTINEL = '/redis-zk/sentinel';
export const WATCHER = '/redis-zk/watcher';
const CLIENT = path.join(ROOT, 'test', 'fixtures', 'model-client.mts');

export interface Scenario {
  stack: ModelStack;
  password: string;
  /** The watchers' base URLs, kept current in a file (the clients' stand-in for Mesos-DNS or a VIP). */
  watchersFile: string;
  dir: Directory;
  close(): void;
}

/** The agent attribute the redis app's constraint asks for (`["redis_zk", "IS", "true"]`): the agents that keep its data. */
export const REDIS_AGENT_ATTRIBUTE = { redis_zk: 'true' } as const;

/** Where the open groups (no Marathon secrets) read REDIS_PASSWORD and ZK_AUTH on every agent. */
export const AGENT_ENV_FILE = '/etc/redis-zk/redis-zk.env';

export interface ScenarioOptions {
  /** A Marathon group file (default marathon/redis-zk.json). */
  group?: string;
  /** The platform (default: the model's, DC/OS Enterprise's features on plain Mesos agents). */
  platform?: PlatformName;
  /** How many agents (the first ones) carry REDIS_AGENT_ATTRIBUTE (default every one). */
  labelled?: number;
  /** The order offers reach Marathon (ModelOptions.offerOrder). */
  offerOrder?: 'least-loaded' | 'random';
  /** More environment for every task, over SCENARIO_ENV (e.g. the engine: test/helpers/engine.ts's VALKEY). */
  env?: Readonly<Record<string, string>>;
}

/**
 * The group from marathon/redis-zk.json, unchanged (or `group`), on `agents` agents at the scenarios' scale,
 * every app deployed (healthy and ready). `stopScenario` stops it (a test file's after.always).
 * A group without Marathon secrets reads REDIS_PASSWORD and ZK_AUTH from AGENT_ENV_FILE, which
 * is put on every agent first, as the README tells an operator to.
 */
export async function startScenario(agents: number, o: ScenarioOptions = {}): Promise<Scenario> {
  const labelled = o.labelled ?? agents;
  const group = o.group ?? path.join(ROOT, 'marathon', 'redis-zk.json');
  const fromFile = loadAppDefinitions(group).every((a) => Object.keys(a.secretEnv).length === 0);
  const agentSecrets = { REDIS_PASSWORD: randomBytes(18).toString('hex'), ZK_AUTH: `redis-zk:${randomBytes(18).toString('hex')}` };
  const stack = await ModelStack.start({
    agents: Array.from({ length: agents }, (_, i) => ({ attributes: i < labelled ? { ...REDIS_AGENT_ATTRIBUTE } : {} })),
    timeScale: SCALE,
    env: { ...SCENARIO_ENV, ...o.env },
    group,
    ...(o.platform ? { platform: o.platform } : {}),
    ...(o.offerOrder ? { offerOrder: o.offerOrder } : {}),
    ...(fromFile ? { hostFiles: { [AGENT_ENV_FILE]: `REDIS_PASSWORD=${agentSecrets.REDIS_PASSWORD}\nZK_AUTH=${agentSecrets.ZK_AUTH}\n` } } : {}),
  });
  const { model } = stack;
  const watchersFile = path.join(model.dir, 'watchers.json');
  const writeWatchers = () => {
    const urls = model
      .tasks(WATCHER)
      .filter((w) => w.state === 'running' && !w.killReason && w.proc.running)
      .sort((a, b) => Number(b.health === 'healthy') - Number(a.health === 'healthy'))
      .map((w) => `http://${w.agent.ns.ip}:${w.hostPorts[0]}`);
    fs.writeFileSync(`${watchersFile}.tmp`, JSON.stringify(urls));
    fs.renameSync(`${watchersFile}.tmp`, watchersFile);
  };
  writeWatchers();
  for (const event of ['task-launched', 'task-health', 'task-killing', 'task-terminal', 'task-unreachable', 'task-reachable']) model.on(event, writeWatchers);
  let zk: ZkClient | undefined;
  const close = () => zk?.close();
  try {
    for (const d of stack.deployments) await model.deploymentDone(d, 180000);
    zk = new ZkClient({
      connectString: `127.0.0.1:${await model.infraProbe.forward(stack.zk.host, stack.zk.port)}`,
      sessionTimeoutMs: 10000,
      log: pino({ level: 'silent' }),
    });
    await zk.waitConnected(20000);
  } catch (err) {
    close();
    await stack.stop({ keepFiles: true });
    throw new Error(`${String(err)} (model files kept in ${model.dir})`);
  }
  const password = fromFile ? agentSecrets.REDIS_PASSWORD : stack.secrets.envOf(stack.apps[0]!).REDIS_PASSWORD!;
  return { stack, password, watchersFile, dir: new Directory(zk, '/redis', pino({ level: 'silent' })), close };
}

/** Stops everything of the scenario; keeps its files if something failed; throws if any of its network is left. */
export async function stopScenario(s: Scenario | undefined, passed: boolean, say: (m: string) => void): Promise<void> {
  if (!s) return;
  s.close();
  const keep = !passed || !!process.env.KEEP_TEST_FILES;
  await s.stack.stop({ keepFiles: keep });
  if (keep) say(`model files kept in ${s.stack.model.dir}`);
  const left = s.stack.model.network.leftovers();
  if (left.length > 0) throw new Error(`left behind: ${left.join(' ')}`);
}

/** Where a task's first port is reached from the agent's own namespace (also while it is cut off). */
const agentProbe = (s: Scenario, a: ModelAgent): NsProbe => (a.probe ??= new NsProbe(a.ns, s.stack.model.dir, s.stack.model.log));

/** Sends commands (RESP inline) to host:port from `probe`'s namespace, authenticated; the raw reply. */
async function ask(probe: NsProbe, host: string, port: number, password: string, command: string, timeoutMs = 1500): Promise<string> {
  return probe.tcp(host, port, timeoutMs, `AUTH ${password}\r\n${command}\r\nQUIT\r\n`);
}

/**
 * ROLE of the redis server on `port` of `agent` ('master', 'slave'), asked on the agent itself, so
 * neither a cut link nor one just healed is in the way; undefined when it does not answer.
 */
export async function roleOnAgent(s: Scenario, agent: ModelAgent, port: number, password?: string): Promise<string | undefined> {
  const text = await agentProbe(s, agent)
    .tcp('127.0.0.1', port, 1000, `${password ? `AUTH ${password}\r\n` : ''}ROLE\r\nQUIT\r\n`)
    .catch(() => '');
  return /\*\d+\r\n\$\d+\r\n(master|slave)\r\n/.exec(text)?.[1];
}

export interface NodeInfo {
  task: ModelTask;
  address: string;
  role?: string;
  masterAddress?: string;
  linkUp?: boolean;
  syncing?: boolean;
  goodReplicas: string[];
}

/** INFO replication of a redis task, asked on its agent; role undefined when it does not answer. */
export async function nodeInfo(s: Scenario, task: ModelTask): Promise<NodeInfo> {
  const address = `${task.agent.ns.ip}:${task.hostPorts[0]}`;
  const text = await ask(agentProbe(s, task.agent), '127.0.0.1', task.hostPorts[0]!, s.password, 'INFO replication').catch(() => '');
  const field = (k: string) => new RegExp(`^${k}:(.*)$`, 'm').exec(text)?.[1]?.trim();
  // A replica that acknowledged within the last second: a write on this master can pass WAIT 1 now.
  const goodReplicas = [...text.matchAll(/^slave\d+:ip=([^,]+),port=(\d+),state=online,offset=\d+,lag=(\d+)/gm)]
    .filter((m) => Number(m[3]) <= 1)
    .map((m) => `${m[1]}:${m[2]}`);
  const role = field('role');
  return {
    task,
    address,
    goodReplicas,
    ...(role ? { role } : {}),
    ...(role === 'slave'
      ? {
          masterAddress: `${field('master_host')}:${field('master_port')}`,
          linkUp: field('master_link_status') === 'up',
          syncing: field('master_sync_in_progress') !== '0',
        }
      : {}),
  };
}

export const liveRedis = (s: Scenario): ModelTask[] => s.stack.model.tasks(REDIS).filter((x) => x.proc.running && !x.agent.gone);

/**
 * A replica listed by `master` that says otherwise itself (a master, or a replica of another): it
 * acknowledges none of that master's writes, whatever the master's list says. Seen once after a
 * partition healed: the old master listed the promoted replica with lag ≤ 1 s for two samples
 * (most likely its REPLCONF ACKs from before the cut, delivered late, which carry old offsets).
 */
function disowns(infos: NodeInfo[], replica: string, master: string): boolean {
  const own = infos.find((i) => i.address === replica);
  return own?.role !== undefined && !(own.role === 'slave' && own.masterAddress === master);
}

/**
 * Never two writable masters: samples every live redis task (each asked on its own agent, so a
 * cut-off one too) every 250 ms. A master is writable when a replica acknowledged it within the
 * last second (a write there passes `WAIT 1`) and that calls it its master; two of them with different replicas at once is a
 * split brain. A cut-off master keeps taking writes no replica will ever see, for up to
 * min-replicas-max-lag: that is reported by the far-side client, not counted here.
 */
export class WritableMasters {
  private running = true;
  private readonly loop: Promise<void>;
  samples = 0;
  /** Samples where a master listed a good replica that named another master itself. */
  disowned = 0;
  readonly twoWritable: string[] = [];

  constructor(s: Scenario) {
    this.loop = (async () => {
      while (this.running) {
        const infos = await Promise.all(liveRedis(s).map((x) => nodeInfo(s, x)));
        this.samples += 1;
        const writable = infos
          .filter((i) => i.role === 'master')
          .map((i) => {
            const confirmed = i.goodReplicas.filter((r) => !disowns(infos, r, i.address));
            if (confirmed.length < i.goodReplicas.length) this.disowned += 1;
            return { ...i, goodReplicas: confirmed };
          })
          .filter((i) => i.goodReplicas.length > 0);
        const seen = new Set<string>();
        const disjoint = writable.filter((w) => {
          const clash = w.goodReplicas.some((r) => seen.has(r));
          for (const r of w.goodReplicas) seen.add(r);
          return !clash;
        });
        if (writable.length > 1 && disjoint.length > 1)
          this.twoWritable.push(`${new Date().toISOString()} ${writable.map((w) => `${w.address} (replicas ${w.goodReplicas.join(' ')})`).join(' and ')}`);
        await sleep(250);
      }
    })();
  }

  async stop(): Promise<{ samples: number; disowned: number; twoWritable: string[] }> {
    this.running = false;
    await this.loop;
    return { samples: this.samples, disowned: this.disowned, twoWritable: this.twoWritable };
  }
}

/** What is not settled yet: one master among the live redis tasks, ZooKeeper and every live sentinel naming it, every other a synced replica of it. */
export async function notSteady(s: Scenario): Promise<string | undefined> {
  const infos = await Promise.all(liveRedis(s).map((x) => nodeInfo(s, x)));
  const masters = infos.filter((i) => i.role === 'master');
  if (masters.length !== 1) return `${masters.length} masters: ${infos.map((i) => `${i.address}=${i.role}`).join(', ')}`;
  const master = masters[0]!.address;
  const zk = (await s.dir.readMaster('mymaster').catch(() => null))?.raw;
  if (zk !== master) return `ZooKeeper names ${zk}, the master is ${master}`;
  for (const i of infos)
    if (i !== masters[0] && (i.masterAddress !== master || !i.linkUp || i.syncing)) return `${i.address} is not a synced replica of ${master}`;
  const sentinels = s.stack.model.tasks(SENTINEL).filter((y) => y.proc.running && !y.agent.gone);
  for (const x of sentinels) {
    const followed = await sentinelMaster(s, x);
    if (followed !== master) return `sentinel ${x.agent.ns.ip}:${x.hostPorts[0]} follows ${followed ?? 'nothing'}`;
    // A sentinel gone for good still counts in Sentinel's majority until it is forgotten (the
    // watcher's cleanup resets it): until then a partition may leave no side able to fail over.
    const known = await sentinelAsk(s, x, 'MASTER', 'mymaster').then(
      (r) => pairsToMap(r).get('num-other-sentinels'),
      () => undefined,
    );
    if (Number(known) + 1 !== sentinels.length)
      return `sentinel ${x.agent.ns.ip}:${x.hostPorts[0]} knows ${Number(known) + 1} sentinels, ${sentinels.length} live`;
    // And every replica: a sentinel that knows none (monitoring a master just promoted) finds no replica to fail over to.
    const listed = await sentinelAsk(s, x, 'REPLICAS', 'mymaster').then(
      (r) => parseSentinelReplicas(r).map((y) => formatAddress(y.address)),
      () => [] as string[],
    );
    const unknown = infos.filter((i) => i !== masters[0] && !listed.includes(i.address)).map((i) => i.address);
    if (unknown.length > 0) return `sentinel ${x.agent.ns.ip}:${x.hostPorts[0]} does not know replica(s) ${unknown.join(', ')}`;
  }
  return undefined;
}

const forwards = new Map<string, Promise<number>>();

/** The master a sentinel task names (asked from the infra namespace, through a forward: Sentinel has no QUIT). */
export async function sentinelMaster(s: Scenario, x: ModelTask): Promise<string | undefined> {
  const reply = (await sentinelAsk(s, x, 'get-master-addr-by-name', 'mymaster').catch(() => null)) as [string, string] | null;
  return reply ? `${reply[0]}:${reply[1]}` : undefined;
}

/** One SENTINEL subcommand to a sentinel task, through a forward from the infra namespace. */
async function sentinelAsk(s: Scenario, x: ModelTask, ...args: string[]): Promise<unknown> {
  const key = `${s.stack.model.dir} ${x.agent.ns.ip}:${x.hostPorts[0]}`;
  if (!forwards.has(key)) forwards.set(key, s.stack.model.infraProbe.forward(x.agent.ns.ip, x.hostPorts[0]!));
  const port = await forwards.get(key)!;
  const r = new Redis({
    host: '127.0.0.1',
    port,
    password: s.password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1500,
    commandTimeout: 1500,
    enableOfflineQueue: false,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await r.call('SENTINEL', ...args);
  } finally {
    r.disconnect();
  }
}

export async function waitSteady(s: Scenario, timeoutMs = 90000): Promise<string> {
  let last: string | undefined;
  await waitFor(
    'the deployment to be steady (one master, ZooKeeper and every sentinel on it, replicas synced)',
    async () => {
      last = await notSteady(s);
      return last === undefined;
    },
    timeoutMs,
    300,
  ).catch((err) => {
    throw new Error(`${String(err)}: ${last}`);
  });
  return (await s.dir.readMaster('mymaster'))!.raw;
}

/**
 * Until Marathon shows every instance of `app` healthy and no deployment of it running: a restart
 * asked before that stalls for ever (docs/marathon.md, "A deployment that stalls"), as an
 * operator is told to wait for it too.
 */
export async function waitMarathonHealthy(s: Scenario, app: string, timeoutMs = 60000): Promise<void> {
  let last = '';
  await waitFor(
    `${app} healthy in Marathon`,
    () => {
      const st = s.stack.model.status(app);
      last = `${st.healthy}/${st.instances} healthy${st.deployment ? `, deployment ${st.deployment.id} running` : ''}`;
      return st.healthy === st.instances && !st.deployment;
    },
    timeoutMs,
    200,
  ).catch((err) => {
    throw new Error(`${String(err)}: ${last}`);
  });
}

/** The redis task ZooKeeper names master. */
export async function masterTask(s: Scenario): Promise<ModelTask> {
  const raw = (await s.dir.readMaster('mymaster'))!.raw;
  const t = liveRedis(s).find((x) => `${x.agent.ns.ip}:${x.hostPorts[0]}` === raw);
  if (!t) throw new Error(`ZooKeeper names ${raw}, no live redis task there`);
  return t;
}

export interface WriterResult {
  acked: number;
  failed: number;
  verified: boolean;
  lost: number;
  lostKeys: number[];
  firstAckAt: number | null;
  lastAckAt: number | null;
  maxGapMs: number;
  gaps: Array<[number, number]>;
  errors: Record<string, number>;
}
export interface DirectResult {
  ok: Array<[number, number]>;
  failed: number;
  present: number[] | null;
  errors: Record<string, number>;
}

/** One of the scenario's clients (test/fixtures/model-client.mts), in the infra namespace or on an agent. */
export class ModelClient<R> {
  private constructor(readonly proc: ManagedProcess) {}

  static start<R = WriterResult>(s: Scenario, label: string, o: { env?: Record<string, string>; agent?: ModelAgent } = {}): ModelClient<R> {
    const env = { ...process.env, REDIS_PASSWORD: s.password, WATCHERS_FILE: s.watchersFile, KEY_PREFIX: label, ...o.env };
    const logFile = path.join(s.stack.model.dir, `client-${label}.log`);
    const { model } = s.stack;
    if (!o.agent) return new ModelClient<R>(model.runInInfra(`client-${label}`, process.execPath, [CLIENT], { env, logFile }));
    const [cmd, args] = o.agent.ns.wrap(process.execPath, [CLIENT]);
    return new ModelClient<R>(model.track(new ManagedProcess(`client-${label}`, cmd, args, { env, cwd: model.dir, logFile })));
  }

  private lines(): Array<Record<string, unknown>> {
    let text = '';
    try {
      text = fs.readFileSync(this.proc.logFile, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
  }

  /** Acknowledged so far (its last tick, at most 250 ms old). */
  acked(): number {
    const ticks = this.lines().filter((l) => l.t === 'tick');
    return Number(ticks[ticks.length - 1]?.acked ?? 0);
  }

  /** Waits until it acknowledged `more` writes beyond what it had when called (or since `from`). */
  async flowing(what: string, more = 30, timeoutMs = 60000, from = this.acked()): Promise<number> {
    await waitFor(`${what}: ${more} more acknowledged writes`, () => this.acked() >= from + more, timeoutMs, 100);
    return Date.now();
  }

  /** SIGTERM: it stops, checks its writes on the set's current master, prints its result. */
  async stop(): Promise<R> {
    await this.proc.stop(90000);
    const result = this.lines().find((l) => l.t === 'result');
    if (!result) throw new Error(`client ${this.proc.label} printed no result; see ${this.proc.logFile}`);
    return result as unknown as R;
  }
}

/**
 * The write outage an event at `at` caused: the longest gap (≥ 500 ms) between acknowledged
 * writes that ends after it and starts at most a second later (writes in flight when the event
 * was set off may still be acknowledged); 0 if there is none.
 */
export function outageAround(r: WriterResult, at: number): number {
  return Math.max(0, ...r.gaps.filter(([a, b]) => b >= at && a <= at + 1000).map(([a, b]) => b - a));
}

/** Every task killed because a health check failed (Marathon's task-killing with a health reason). */
export function healthKills(s: Scenario): string[] {
  const kills: string[] = [];
  s.stack.model.on('task-killing', (task: ModelTask, reason: string) => {
    if (reason.startsWith('health:')) kills.push(`${task.id} on ${task.agent.id}: ${reason}`);
  });
  return kills;
}

/**
 * The persistent-volume variant, marathon/redis-zk-persistent.json, unchanged: the redis app on
 * local persistent volumes (`data` in the sandbox, the default DATA_DIR), resident, upgraded
 * 0.5/0 with unreachableStrategy "disabled" and a role, as Marathon requires; no Marathon secrets
 * (startScenario puts the agents' env file in place). Copied to `file`.
 */
export function writeResidentGroup(file: string): string {
  fs.copyFileSync(path.join(ROOT, 'marathon', 'redis-zk-persistent.json'), file);
  return file;
}

/** What redis-wrapper logs when its node loop pauses a cut-off master's writes. */
export const PAUSED_MSG = 'paused writes: this master may have been left behind';

/** The `time` of the first JSON log line at or after `since` whose msg is `msg`. */
export function firstLogTime(file: string, msg: string, since: number): number | undefined {
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes(msg)) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; time?: number };
      if (entry.msg === msg && typeof entry.time === 'number' && entry.time >= since) return entry.time;
    } catch {
      /* not a JSON line */
    }
  }
  return undefined;
}

/**
 * What every Marathon scenario ends on: the client read its writes back, no write it saw
 * acknowledged (WAIT 1) is lost, and never were two masters writable at once.
 */
export function checkNoLoss(
  t: ExecutionContext,
  r: Pick<WriterResult, 'verified' | 'lost' | 'lostKeys'>,
  m: { readonly twoWritable: readonly string[] },
): void {
  t.true(r.verified, 'the client read its writes back');
  t.is(r.lost, 0, `acknowledged writes lost: ${r.lostKeys.join(',')}`);
  t.deepEqual(m.twoWritable, [], 'never two writable masters');
}
