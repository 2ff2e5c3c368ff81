import fs from 'node:fs';
import path from 'node:path';
import { ManagedProcess } from '../packages/local-stack/src/managed-process';
import type { ModelAgent } from '../packages/local-stack/src/marathon-model';
import { FAST_SENTINEL } from '../packages/local-stack/src/harness';
import { masterTask, roleOnAgent, SCALE, type Scenario, startScenario, stopScenario, waitSteady } from '../test/helpers/model-scenario';
import { settle } from './failover';
import { ask, BASE_CONF, sleep, until } from './lib';

/**
 * #29 point 8: the master's agent cut off the network for 30 s (the Marathon model's agents in
 * network namespaces, as test/chaos/marathon-agent-loss-partition.test.ts), healed: how long until
 * the old master answers ROLE as a replica (asked on its own agent, every 20 ms). Ours: the shipped group on the model (its wrapper
 * demotes it on its first look after the heal). Plain: redis-server and redis-sentinel with the
 * same base config and Sentinel timings on three of the same agents, on their usual ports
 * (Sentinel converts the old master once it has seen it report master for a while).
 */
export const PARTITION_MS = 30000;
/** Mesos's real agent-unreachable timeout (75 s) in the model's scaled time: a 30 s partition is no agent loss. */
const MESOS_UNREACHABLE_S = 75 / SCALE;
const PLAIN_REDIS_PORT = 6379;
const PLAIN_SENTINEL_PORT = 26379;

export interface PartitionRigs {
  /** One round of ours: steady, the master's agent cut for PARTITION_MS, healed → ms until the old master is a replica. */
  ours(): Promise<number>;
  plain(): Promise<number>;
  stop(passed: boolean): Promise<void>;
}

export async function partitionRigs(say: (m: string) => void): Promise<PartitionRigs> {
  const s = await startScenario(4);
  try {
    s.stack.model.setAgentUnreachableAfter(MESOS_UNREACHABLE_S);
    const reach = forwarder(s);
    const plain = await startPlain(s, s.stack.model.agents.slice(0, 3), reach);
    return {
      ours: async () => {
        await waitSteady(s, 120000);
        const task = await masterTask(s);
        return cutAndHeal(s, task.agent, say, () => roleOnAgent(s, task.agent, task.hostPorts[0]!, s.password));
      },
      plain: async () => {
        await settle(await plain.sentinelPorts(), 2);
        const agent = await plain.masterAgent();
        return cutAndHeal(s, agent, say, () => roleOnAgent(s, agent, PLAIN_REDIS_PORT));
      },
      stop: (passed) => stopScenario(s, passed, say),
    };
  } catch (err) {
    await stopScenario(s, false, say);
    throw err;
  }
}

async function cutAndHeal(s: Scenario, agent: ModelAgent, say: (m: string) => void, role: () => Promise<string | undefined>): Promise<number> {
  const { model } = s.stack;
  say(`partition: ${agent.id} cut off for ${PARTITION_MS / 1000} s`);
  model.cutAgent(agent.id);
  try {
    await sleep(PARTITION_MS);
  } finally {
    model.healAgent(agent.id);
  }
  const healed = Date.now();
  await until('the old master to answer as a replica', async () => (await role()) === 'slave', 60000, 20);
  return Date.now() - healed;
}

/** A local port that reaches ip:port in the model's network (from its infra namespace), one per address. */
function forwarder(s: Scenario): (agent: ModelAgent, port: number) => Promise<number> {
  const forwards = new Map<string, Promise<number>>();
  return (agent, port) => {
    const key = `${agent.ns.ip}:${port}`;
    if (!forwards.has(key)) forwards.set(key, s.stack.model.infraProbe.forward(agent.ns.ip, port));
    return forwards.get(key)!;
  };
}

/** Plain Redis and Sentinel, a server and a sentinel on each agent, the first agent's server the master. */
async function startPlain(s: Scenario, agents: ModelAgent[], reach: (agent: ModelAgent, port: number) => Promise<number>) {
  const { model } = s.stack;
  const master = agents[0]!.ns.ip;
  const spawn = (agent: ModelAgent, label: string, cmd: string, args: string[]) => {
    const [file, argv] = agent.ns.wrap(cmd, args);
    model.track(new ManagedProcess(label, file, argv, { env: process.env, cwd: model.dir, logFile: path.join(model.dir, `${label}.log`) }));
  };
  agents.forEach((agent, i) => {
    const dir = path.join(model.dir, `plain-${i}`);
    fs.mkdirSync(dir, { recursive: true });
    const conf = path.join(dir, 'redis.conf');
    fs.copyFileSync(BASE_CONF, conf);
    const replicaOf = i === 0 ? [] : ['--replicaof', master, String(PLAIN_REDIS_PORT)];
    spawn(agent, `plain-redis-${i}`, 'redis-server', [
      conf,
      '--port',
      String(PLAIN_REDIS_PORT),
      '--bind',
      agent.ns.ip,
      '127.0.0.1',
      '--dir',
      dir,
      ...replicaOf,
    ]);
    const sentinelConf = path.join(dir, 'sentinel.conf');
    fs.writeFileSync(
      sentinelConf,
      [
        `port ${PLAIN_SENTINEL_PORT}`,
        `bind ${agent.ns.ip}`,
        'protected-mode no',
        `dir ${dir}`,
        `sentinel monitor mymaster ${master} ${PLAIN_REDIS_PORT} 2`,
        `sentinel down-after-milliseconds mymaster ${FAST_SENTINEL.SENTINEL_DOWN_AFTER_MS}`,
        `sentinel failover-timeout mymaster ${FAST_SENTINEL.SENTINEL_FAILOVER_TIMEOUT_MS}`,
      ].join('\n'),
    );
    spawn(agent, `plain-sentinel-${i}`, 'redis-sentinel', [sentinelConf]);
  });
  const sentinelPorts = () => Promise.all(agents.map((a) => reach(a, PLAIN_SENTINEL_PORT)));
  return {
    sentinelPorts,
    /** The agent whose server the sentinels name master. */
    masterAgent: async (): Promise<ModelAgent> => {
      const named = await until(
        'a plain sentinel to name the master',
        async () => {
          for (const port of await sentinelPorts()) {
            const reply = (await ask(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[] | undefined;
            if (reply) return reply[0];
          }
          return undefined;
        },
        30000,
        100,
      );
      const agent = agents.find((a) => a.ns.ip === named);
      if (!agent) throw new Error(`plain Sentinel names ${named}, on none of the plain agents`);
      return agent;
    },
  };
}
