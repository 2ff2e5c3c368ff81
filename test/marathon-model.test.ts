import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import test from 'ava';
import { allModelObjects, IP, sweepLeftovers } from '../packages/local-stack/src/netns';
import { MODEL, nextEvent, skipReason, standinApp, startModel, uniqueViolations, type ModelTask } from './helpers/model';
import { ROOT } from './helpers/processes';
import { waitFor } from './helpers/wait';

/**
 * The Marathon model itself (packages/local-stack/src/marathon-model.ts), with stand-in tasks
 * (test/fixtures/standin.mts) on agents that are network namespaces. Needs root and `ip netns`.
 */

const envOf = (pid: number): Record<string, string> =>
  Object.fromEntries(fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

const netnsOf = (pid: number): string => spawnSync(IP, ['netns', 'identify', String(pid)], { encoding: 'utf8' }).stdout.trim();

if (!MODEL.ok) {
  test.skip(`Marathon model tests: skipped, ${skipReason}`, () => undefined);
} else {
  test('a task runs in its agent\'s namespace with the env Marathon sets; UNIQUE spreads instances; an app whose ports no agent offers waits', async (t) => {
    const model = await startModel(t, { agents: 3 });
    const web = standinApp({
      id: '/t/web', instances: 3, mem: 96, cpus: 0.25, labels: { team: 'a' }, env: { GREETING: 'hi' },
      portDefinitions: [{ port: 0, name: 'http' }, { port: 0, name: 'admin' }],
      constraints: [['hostname', 'UNIQUE']],
      healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health', portIndex: 0, gracePeriodSeconds: 10, intervalSeconds: 0.5, delaySeconds: 0, timeoutSeconds: 2 }],
    });
    const fixed = standinApp({ id: '/t/fixed', requirePorts: true, portDefinitions: [{ port: 8080, name: 'http' }] });
    const [deployment] = model.deploy([web, fixed]);
    await model.deploymentDone(deployment!, 30000);

    const tasks = model.tasks('/t/web');
    t.deepEqual(new Set(tasks.map((x) => x.agent.id)).size, 3, 'one instance per agent');
    for (const task of tasks) {
      t.is(netnsOf(task.proc.pid), task.agent.ns.name, 'the task runs in its agent\'s namespace');
      const env = envOf(task.proc.pid);
      const [http, admin] = task.hostPorts;
      t.true(http! >= 31000 && http! <= 32000 && admin! >= 31000 && admin! <= 32000 && http !== admin, 'ports from the agent\'s offer');
      t.like(env, {
        GREETING: 'hi', HOST: task.agent.ns.ip, LIBPROCESS_IP: task.agent.ns.ip,
        PORT0: String(http), PORT1: String(admin), PORT: String(http), PORTS: `${http},${admin}`, PORT_HTTP: String(http), PORT_ADMIN: String(admin),
        MARATHON_APP_ID: '/t/web', MARATHON_APP_VERSION: model.status('/t/web').version,
        MARATHON_APP_RESOURCE_MEM: '96.0', MARATHON_APP_RESOURCE_CPUS: '0.25', MARATHON_APP_LABEL_TEAM: 'a',
        MESOS_TASK_ID: task.id, MESOS_SANDBOX: task.sandbox,
      });
      // Reachable from the infrastructure's namespace at the agent's address.
      t.is((await model.infraProbe.http(`http://${task.agent.ns.ip}:${http}/health`, 5000)).status, 200);
    }

    const waiting = await waitFor('the app asking for port 8080 to wait', () => model.status('/t/fixed').waiting, 10000);
    t.regex(waiting, /agent-1 \(198\.1[89]\.\d+\.11\): port 8080 not offered \(free: \[31000-/);
    t.is(model.tasks('/t/fixed').length, 0);

    model.scale('/t/web', 4);
    t.regex(await waitFor('a 4th instance to wait', () => model.status('/t/web').waiting, 10000), /hostname:UNIQUE: an instance is already on hostname/);
    t.is(model.tasks('/t/web').length, 3);
    t.deepEqual(uniqueViolations(model, '/t/web'), []);
  });

  test('a task failing its health check maxConsecutiveFailures times in a row is killed and replaced after the backoff', async (t) => {
    const model = await startModel(t, { agents: 2 });
    const app = standinApp({
      id: '/t/sick', instances: 2, backoffSeconds: 1, constraints: [['hostname', 'UNIQUE']],
      // A COMMAND check runs on the agent in the task's env; the file makes it fail.
      healthChecks: [{ protocol: 'COMMAND', command: { value: 'test ! -e "$MESOS_SANDBOX/unhealthy"' }, gracePeriodSeconds: 5, intervalSeconds: 0.5, timeoutSeconds: 2, delaySeconds: 0, maxConsecutiveFailures: 3 }],
    });
    await model.deploymentDone(model.deploy([app])[0]!, 30000);
    const victim = model.tasks('/t/sick')[0]!;
    const fails: number[] = [];
    model.on('task-health', (task: ModelTask, h: string) => { if (task === victim) fails.push(h === 'unhealthy' ? 1 : 0); });
    const killing = nextEvent<[ModelTask, string]>(model, 'task-killing', (task) => task === victim, 'the victim to be killed');
    const terminal = nextEvent<[ModelTask]>(model, 'task-terminal', (task) => task === victim, 'the victim to end');
    const launched = nextEvent<[ModelTask]>(model, 'task-launched', (task) => task.appId === '/t/sick', 'a replacement');
    fs.writeFileSync(path.join(victim.sandbox, 'unhealthy'), '');
    const [, reason] = await killing;
    t.regex(reason, /^health: COMMAND health check failed 3 times in a row/);
    t.deepEqual(fails, [1], 'unhealthy once, then killed');
    await terminal;
    const endedAt = Date.now();
    const [replacement] = await launched;
    t.true(replacement.startedAt >= endedAt + model.ms(1) - 100, 'launched after backoffSeconds');
    t.is(replacement.agent, victim.agent, 'the only agent UNIQUE allows');
    await waitFor('the replacement healthy', () => replacement.health === 'healthy', 20000);
    t.is(model.status('/t/sick').healthy, 2);
  });
}
