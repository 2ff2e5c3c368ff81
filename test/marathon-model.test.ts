import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import test, { type ExecutionContext } from 'ava';
import { DCOS_PORTS } from '../packages/local-stack/src/agents';
import { allModelObjects, IP, sweepLeftovers } from '../packages/local-stack/src/netns';
import { MODEL, nextEvent, skipReason, standinApp, startModel, uniqueViolations, type ModelTask } from './helpers/model';
import { ROOT } from './helpers/processes';
import { waitFor } from './helpers/wait';

/**
 * The Marathon model itself (packages/local-stack/src/marathon-model.ts), with stand-in tasks
 * (test/fixtures/standin.mts) on agents that are network namespaces. Needs root and `ip netns`.
 */

const envOf = (pid: number): Record<string, string> =>
  Object.fromEntries(
    fs
      .readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

const netnsOf = (pid: number): string => spawnSync(IP, ['netns', 'identify', String(pid)], { encoding: 'utf8' }).stdout.trim();

if (!MODEL.ok) {
  test.skip(`Marathon model tests: skipped, ${skipReason}`, () => undefined);
} else {
  test("a task runs in its agent's namespace with the env Marathon sets; UNIQUE spreads instances; an app whose ports no agent offers waits", async (t) => {
    // agent-1 is a DC/OS agent (its port ranges skip 8080-8081), the others plain Mesos agents.
    const model = await startModel(t, { agents: [{ resources: { ports: DCOS_PORTS } }, {}, {}] });
    const web = standinApp({
      id: '/t/web',
      instances: 3,
      mem: 96,
      cpus: 0.25,
      labels: { team: 'a' },
      env: { GREETING: 'hi' },
      portDefinitions: [
        { port: 0, name: 'http' },
        { port: 0, name: 'admin' },
      ],
      constraints: [['hostname', 'UNIQUE']],
      healthChecks: [
        { protocol: 'MESOS_HTTP', path: '/health', portIndex: 0, gracePeriodSeconds: 10, intervalSeconds: 0.5, delaySeconds: 0, timeoutSeconds: 2 },
      ],
    });
    const fixed = standinApp({ id: '/t/fixed', requirePorts: true, portDefinitions: [{ port: 8080, name: 'http' }] });
    const fixed2 = standinApp({ id: '/t/fixed2', requirePorts: true, portDefinitions: [{ port: 8082, name: 'http' }] });
    const [deployment, , deployment2] = model.deploy([web, fixed, fixed2]);
    await model.deploymentDone(deployment!, 30000);
    await model.deploymentDone(deployment2!, 30000);
    const [on8082] = model.tasks('/t/fixed2');
    t.is(on8082!.agent.id, 'agent-1', 'only the DC/OS agent offers 8082');
    t.deepEqual(on8082!.hostPorts, [8082]);

    const tasks = model.tasks('/t/web');
    t.deepEqual(new Set(tasks.map((x) => x.agent.id)).size, 3, 'one instance per agent');
    for (const task of tasks) {
      t.is(netnsOf(task.proc.pid), task.agent.ns.name, "the task runs in its agent's namespace");
      const env = envOf(task.proc.pid);
      const [http, admin] = task.hostPorts;
      const offered = (p: number) => task.agent.resources.ports.some(([a, b]) => p >= a && p <= b);
      t.true(offered(http!) && offered(admin!) && http !== admin && http !== 8082 && admin !== 8082, "ports from the agent's offer");
      t.like(env, {
        GREETING: 'hi',
        HOST: task.agent.ns.ip,
        LIBPROCESS_IP: task.agent.ns.ip,
        PORT0: String(http),
        PORT1: String(admin),
        PORT: String(http),
        PORTS: `${http},${admin}`,
        PORT_HTTP: String(http),
        PORT_ADMIN: String(admin),
        MARATHON_APP_ID: '/t/web',
        MARATHON_APP_VERSION: model.status('/t/web').version,
        MARATHON_APP_RESOURCE_MEM: '96.0',
        MARATHON_APP_RESOURCE_CPUS: '0.25',
        MARATHON_APP_LABEL_TEAM: 'a',
        MESOS_TASK_ID: task.id,
        MESOS_SANDBOX: task.sandbox,
      });
      // Reachable from the infrastructure's namespace at the agent's address.
      t.is((await model.infraProbe.http(`http://${task.agent.ns.ip}:${http}/health`, 5000)).status, 200);
    }

    const waiting = await waitFor('the app asking for port 8080 to wait', () => model.status('/t/fixed').waiting, 10000);
    t.regex(waiting, /agent-1 \(198\.1[89]\.\d+\.11\): port 8080 not offered \(free: \[1025-/);
    // Its range from 31000 on (a task of its own may hold a port of it: `[31000,31002-…`).
    t.regex(waiting, /agent-2 [^;]*: port 8080 not offered \(free: \[31000[-,]/);
    t.is(model.tasks('/t/fixed').length, 0);

    model.scale('/t/web', 4);
    t.regex(await waitFor('a 4th instance to wait', () => model.status('/t/web').waiting, 10000), /hostname:UNIQUE: an instance is already on hostname/);
    t.is(model.tasks('/t/web').length, 3);
    t.deepEqual(uniqueViolations(model, '/t/web'), []);
  });

  test('a task failing its health check maxConsecutiveFailures times in a row is killed and replaced at once (TASK_KILLED: no backoff); a task that fails by itself is replaced after the backoff', async (t) => {
    const model = await startModel(t, { agents: 2 });
    const app = standinApp({
      id: '/t/sick',
      instances: 2,
      backoffSeconds: 1,
      constraints: [['hostname', 'UNIQUE']],
      // A COMMAND check runs on the agent in the task's env; the file makes it fail.
      healthChecks: [
        {
          protocol: 'COMMAND',
          command: { value: 'test ! -e "$MESOS_SANDBOX/unhealthy"' },
          gracePeriodSeconds: 5,
          intervalSeconds: 0.5,
          timeoutSeconds: 2,
          delaySeconds: 0,
          maxConsecutiveFailures: 3,
        },
      ],
    });
    await model.deploymentDone(model.deploy([app])[0]!, 30000);
    const victim = model.tasks('/t/sick')[0]!;
    const fails: number[] = [];
    model.on('task-health', (task: ModelTask, h: string) => {
      if (task === victim) fails.push(h === 'unhealthy' ? 1 : 0);
    });
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
    t.true(replacement.startedAt < endedAt + model.ms(1) - 100, 'launched at once: a kill adds no launch delay');
    t.is(replacement.agent, victim.agent, 'the only agent UNIQUE allows');
    await waitFor('the replacement healthy', () => replacement.health === 'healthy', 20000);
    t.is(model.status('/t/sick').healthy, 2);
    // The replacement's process dies on its own (TASK_FAILED): the next launch waits backoffSeconds.
    const crashed = nextEvent<[ModelTask]>(model, 'task-terminal', (task) => task === replacement, 'the replacement to end');
    const relaunched = nextEvent<[ModelTask]>(model, 'task-launched', (task) => task.appId === '/t/sick', 'another replacement');
    replacement.proc.killGroup('SIGKILL');
    await crashed;
    const failedAt = Date.now();
    const [next] = await relaunched;
    t.true(next.startedAt >= failedAt + model.ms(1) - 100, 'launched after backoffSeconds');
  });
}

if (MODEL.ok) {
  test('a rolling restart keeps minimumHealthCapacity serving, stays within maximumOverCapacity, kills by killSelection and waits for readiness', async (t) => {
    const model = await startModel(t, { agents: 3 });
    const app = standinApp({
      id: '/t/roll',
      instances: 3,
      constraints: [['hostname', 'UNIQUE']],
      upgradeStrategy: { minimumHealthCapacity: 0.66, maximumOverCapacity: 0 },
      env: { READY_AFTER_MS: '1000', TERM_DELAY_MS: '300' },
      healthChecks: [{ protocol: 'HTTP', path: '/health', portIndex: 0, gracePeriodSeconds: 10, intervalSeconds: 0.5, timeoutSeconds: 2 }],
      readinessChecks: [{ name: 'ready', protocol: 'HTTP', path: '/ready', portName: 'http', intervalSeconds: 0.3, timeoutSeconds: 2 }],
    });
    await model.deploymentDone(model.deploy([app])[0]!, 30000);
    const before = model.tasks('/t/roll');
    const youngest = [...before].sort((a, b) => b.startedAt - a.startedAt)[0]!;
    const serving = () => model.tasks('/t/roll').filter((x) => x.state === 'running' && x.health === 'healthy' && x.ready).length;
    const alive = () => model.tasks('/t/roll').filter((x) => !x.exit).length;
    let minServing = Infinity;
    let maxAlive = 0;
    const order: string[] = [];
    const unique: string[] = [];
    const sample = (what?: string) => () => {
      if (what) order.push(what);
      minServing = Math.min(minServing, serving());
      maxAlive = Math.max(maxAlive, alive());
      unique.push(...uniqueViolations(model, '/t/roll'));
    };
    const kills: string[] = [];
    model.on('task-killing', (task: ModelTask) => kills.push(task.id));
    model.on('task-killing', sample('kill'));
    model.on('task-ready', sample('ready'));
    for (const e of ['task-health', 'task-launched', 'task-terminal']) model.on(e, sample());
    const d = model.restart('/t/roll');
    await model.deploymentDone(d, 60000);
    t.true(minServing >= 2, `at least ceil(3 × 0.66) = 2 tasks served throughout (least: ${minServing})`);
    t.true(maxAlive <= 3, `never more than 3 × (1 + 0) tasks (most: ${maxAlive})`);
    t.deepEqual(unique, [], 'UNIQUE held at every step');
    t.is(kills[0], youngest.id, 'YOUNGEST_FIRST');
    t.deepEqual([...kills].sort(), before.map((x) => x.id).sort(), 'every old task killed, no new one');
    // One old task is killed at once, every other one only after one more new task is ready.
    order.forEach((_, i) => {
      const prefix = order.slice(0, i + 1);
      t.true(prefix.filter((e) => e === 'kill').length <= 1 + prefix.filter((e) => e === 'ready').length, `kills wait for readiness: ${prefix.join(' ')}`);
    });
    const after = model.tasks('/t/roll');
    t.is(after.length, 3);
    t.true(after.every((x) => x.version === d.version && x.health === 'healthy' && x.ready));
  });

  test("an upgrade (a change of configuration) places new tasks ignoring the old version's under UNIQUE, as Marathon's ResourceMatcher; a restart counts them", async (t) => {
    const model = await startModel(t, { agents: 2 });
    const raw = {
      id: '/t/up',
      instances: 2,
      constraints: [['hostname', 'UNIQUE']],
      // Keep both old tasks healthy: the new one must start while both still run, on an agent with one of them.
      upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0 },
      env: { V: '1' },
    };
    await model.deploymentDone(model.deploy([standinApp(raw)])[0]!, 30000);
    const old = model.tasks('/t/up');
    // A restart: same configuration, the old tasks count, no agent is free of one.
    const restart = model.restart('/t/up');
    await waitFor('the restart to wait for an offer', () => /UNIQUE/.test(model.status('/t/up').waiting ?? ''), 10000);
    t.true(
      model.tasks('/t/up').every((x) => old.includes(x)),
      'nothing launched',
    );
    // The upgrade replaces it: the new version may go next to an old task.
    const shared: string[] = [];
    model.on('task-launched', (task: ModelTask) => {
      if (old.some((x) => x.agent === task.agent && x.proc.running)) shared.push(`${task.id} next to an old task on ${task.agent.id}`);
    });
    const d = model.restart('/t/up', { def: standinApp({ ...raw, env: { V: '2' } }), force: true });
    await t.throwsAsync(model.deploymentDone(restart, 1000), { message: /cancelled/ });
    await model.deploymentDone(d, 60000);
    t.true(shared.length >= 1, 'a new task started on an agent whose old task still ran');
    t.true(model.tasks('/t/up').every((x) => x.version === d.version && x.env.V === '2'));
    t.deepEqual(uniqueViolations(model, '/t/up'), [], 'UNIQUE among the new version at the end');
  });

  test('maximumOverCapacity 0 with an unreachable instance kept: the deployment spends its one kill on it and stalls until an old task is killed by hand (TaskReplaceActor)', async (t) => {
    const model = await startModel(t, { agents: 4, agentUnreachableAfterSeconds: 0.5 });
    const raw = {
      id: '/t/stall',
      instances: 3,
      constraints: [['hostname', 'UNIQUE']],
      upgradeStrategy: { minimumHealthCapacity: 0.66, maximumOverCapacity: 0 },
      unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 3600 },
      env: { V: '1' },
    };
    await model.deploymentDone(model.deploy([standinApp(raw)])[0]!, 30000);
    const [lost] = model.tasks('/t/stall');
    const replaced = nextEvent<[ModelTask]>(model, 'task-launched', (x) => x.appId === '/t/stall', "the lost agent's task replaced");
    model.cutAgent(lost!.agent.id);
    await replaced;
    t.is(lost!.state, 'inactive', 'kept (expungeAfterSeconds 3600), replaced');
    await waitFor('3 running again', () => model.status('/t/stall').running === 3, 10000);
    const decommissioned = nextEvent<[ModelTask]>(model, 'task-decommissioned', (x) => x === lost, 'the unreachable task to be given up');
    const launched: ModelTask[] = [];
    model.on('task-launched', (x: ModelTask) => launched.push(x));
    const d = model.restart('/t/stall', { def: standinApp({ ...raw, env: { V: '2' } }) });
    await decommissioned;
    await new Promise((r) => setTimeout(r, 3000));
    t.deepEqual(launched, [], 'stalled: three old tasks run, no room for a new one');
    t.is(model.status('/t/stall').deployment?.id, d.id);
    t.false(model.tasks('/t/stall').includes(lost!), 'Marathon forgot the unreachable task');
    // The runbook: kill one old task by hand; its place goes to the new version, and the rest rolls.
    model.killTask(model.tasks('/t/stall')[0]!.id);
    await model.deploymentDone(d, 60000);
    t.true(model.tasks('/t/stall').every((x) => x.version === d.version));
    const back = nextEvent<[ModelTask, string]>(model, 'task-killing', (x) => x === lost, 'the forgotten task to be killed when it reports back');
    model.healAgent(lost!.agent.id);
    t.regex((await back)[1], /decommissioned task came back/);
  });

  // The surplus is killed when the cut agent heals; a killed agent's tasks are replaced too.
  test("a cut agent's tasks run on, turn unreachable, and are replaced elsewhere after inactiveAfterSeconds", async (t) => {
    const model = await startModel(t, { agents: 4, agentUnreachableAfterSeconds: 1 });
    const app = standinApp({
      id: '/t/ha',
      instances: 3,
      constraints: [['hostname', 'UNIQUE']],
      unreachableStrategy: { inactiveAfterSeconds: 2, expungeAfterSeconds: 600 },
      // Run on the agent: it keeps passing while the agent is cut off.
      healthChecks: [{ protocol: 'MESOS_TCP', portIndex: 0, gracePeriodSeconds: 10, intervalSeconds: 0.5, timeoutSeconds: 1, delaySeconds: 0 }],
    });
    await model.deploymentDone(model.deploy([app])[0]!, 30000);
    const [victim, other] = model.tasks('/t/ha');
    const launched: ModelTask[] = [];
    model.on('task-launched', (task: ModelTask) => launched.push(task));
    const unreachable = nextEvent<[ModelTask]>(model, 'task-unreachable', (x) => x === victim, 'the cut task to be unreachable');
    const inactive = nextEvent<[ModelTask]>(model, 'task-inactive', (x) => x === victim, 'the cut task to be inactive');
    const replaced = nextEvent<[ModelTask]>(model, 'task-launched', (x) => x.appId === '/t/ha', 'a replacement');
    model.cutAgent(victim!.agent.id);
    await unreachable;
    const unreachableAt = Date.now();
    t.true(victim!.proc.running, 'a partition does not stop the task');
    await t.throwsAsync(model.infraProbe.http(`http://${victim!.agent.ns.ip}:${victim!.hostPorts[0]}/health`, 1000), undefined, 'nothing reaches it');
    await inactive;
    t.true(Date.now() - unreachableAt >= model.ms(2) - 100, 'replaced only after inactiveAfterSeconds');
    const [replacement] = await replaced;
    t.not(replacement.agent, victim!.agent);
    t.false(
      model.tasks('/t/ha').some((x) => x !== replacement && x.agent === replacement.agent),
      'on the agent no instance is on',
    );
    await waitFor('the replacement healthy', () => replacement.health === 'healthy', 20000);

    const surplus = nextEvent<[ModelTask, string]>(model, 'task-killing', (x) => x.appId === '/t/ha', 'a surplus task to be killed');
    model.healAgent(victim!.agent.id);
    t.is(victim!.state, 'running', 'the task is back');
    const [killed, why] = await surplus;
    t.is(killed, replacement, 'YOUNGEST_FIRST: the replacement goes');
    t.regex(why, /scaling down/);
    await waitFor('3 tasks again', () => model.tasks('/t/ha').length === 3, 20000);
    t.true(model.tasks('/t/ha').includes(victim!));

    // The agent's host dies: its task is gone at once, replaced once Mesos and Marathon give up on it.
    const replaced2 = nextEvent<[ModelTask]>(model, 'task-launched', (x) => x.appId === '/t/ha', "a replacement for the killed agent's task");
    model.killAgent(other!.agent.id);
    await waitFor("the killed agent's task process gone", () => !other!.proc.running, 10000);
    const [replacement2] = await replaced2;
    t.not(replacement2.agent, other!.agent);
    t.is(other!.state, 'inactive');
    t.deepEqual(uniqueViolations(model, '/t/ha'), []);
    t.true(
      launched.every((x) => !x.agent.gone || x === other),
      'nothing launched on a dead agent',
    );
  });

  test('a task that ignores SIGTERM is SIGKILLed after taskKillGracePeriodSeconds; a scale-down ends when its tasks are gone', async (t) => {
    const model = await startModel(t, { agents: 1 });
    const app = standinApp({
      id: '/t/stubborn',
      taskKillGracePeriodSeconds: 1,
      env: { TERM_DELAY_MS: '60000' },
      // Healthy once it serves, so its SIGTERM handler is in place before the kill.
      healthChecks: [{ protocol: 'TCP', portIndex: 0, gracePeriodSeconds: 10, intervalSeconds: 0.3, timeoutSeconds: 2 }],
    });
    await model.deploymentDone(model.deploy([app])[0]!, 30000);
    const [task] = model.tasks('/t/stubborn');
    const killing = nextEvent<[ModelTask]>(model, 'task-killing', (x) => x === task, 'the kill');
    const d = model.scale('/t/stubborn', 0);
    await killing;
    const killedAt = Date.now();
    t.false(d.finished, 'not finished while the task is still stopping');
    await model.deploymentDone(d, 30000);
    t.is(task!.exit?.signal, 'SIGKILL');
    t.true(Date.now() - killedAt >= model.ms(1) - 100, 'SIGKILL only after the grace period');
    t.deepEqual(model.tasks('/t/stubborn'), []);
  });

  test('without a leader Marathon neither sees a task end nor replaces it; the new leader does both', async (t) => {
    const model = await startModel(t, { agents: 1 });
    await model.deploymentDone(
      model.deploy([standinApp({ id: '/t/lead', healthChecks: [{ protocol: 'TCP', portIndex: 0, intervalSeconds: 0.3, timeoutSeconds: 2 }] })])[0]!,
      30000,
    );
    const [task] = model.tasks('/t/lead');
    const events: string[] = [];
    model.on('task-terminal', () => events.push('terminal'));
    model.on('task-launched', () => events.push('launched'));
    model.suspendMarathon();
    task!.proc.killGroup('SIGKILL');
    await task!.proc.exited;
    t.deepEqual(events, [], 'nothing happens while Marathon has no leader');
    t.deepEqual(model.tasks('/t/lead'), [task], 'Marathon still thinks it runs');
    const replaced = nextEvent<[ModelTask]>(model, 'task-launched', () => true, 'a replacement');
    model.resumeMarathon();
    await replaced;
    t.deepEqual(events.slice(0, 2), ['terminal', 'launched']);
  });

  test('an unreachable task past expungeAfterSeconds is forgotten, and killed when its agent comes back', async (t) => {
    const model = await startModel(t, { agents: 2, agentUnreachableAfterSeconds: 0.5 });
    const app = standinApp({ id: '/t/exp', constraints: [['hostname', 'UNIQUE']], unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 1 } });
    await model.deploymentDone(model.deploy([app])[0]!, 30000);
    const [lost] = model.tasks('/t/exp');
    const expunged = nextEvent<[ModelTask]>(model, 'task-expunged', (x) => x === lost, 'the lost task to be expunged');
    const replaced = nextEvent<[ModelTask]>(model, 'task-launched', (x) => x.appId === '/t/exp', 'a replacement');
    model.cutAgent(lost!.agent.id);
    const [replacement] = await replaced;
    t.is(lost!.state, 'inactive', 'inactiveAfterSeconds 0: replaced as soon as it is unreachable');
    await expunged;
    t.deepEqual(model.tasks('/t/exp'), [replacement], 'Marathon knows only the replacement');
    t.true(lost!.proc.running, 'the forgotten task still runs behind the partition');
    const killed = nextEvent<[ModelTask, string]>(model, 'task-killing', (x) => x === lost, 'the task that came back to be killed');
    model.healAgent(lost!.agent.id);
    t.regex((await killed)[1], /expunged or decommissioned task came back/);
    await waitFor('its process gone', () => !lost!.proc.running, 10000);
    t.deepEqual(model.tasks('/t/exp'), [replacement]);
  });

  const startCrashing = (t: ExecutionContext) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-crash-'));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/crashing-model.ts'), dir], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    t.teardown(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const first = new Promise<{ runId: string; taskPid: number }>((resolve, reject) => {
      readline.createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l) as { runId: string; taskPid: number }));
      // 'close', not 'exit': its stdout may still hold the line when it has exited.
      child.once('close', () => reject(new Error(`the crashing model exited before starting: ${stderr}`)));
    });
    return { child, exited, first };
  };
  const objectsOf = (runId: string) => allModelObjects().filter((n) => n.includes(runId));
  const pidGone = (pid: number) => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };

  test('a resident instance (local persistent volume) keeps it: its next task runs on the same agent, the volume at containerPath', async (t) => {
    const model = await startModel(t, { agents: 3 });
    const app = standinApp({
      id: '/t/disk',
      instances: 2,
      constraints: [['hostname', 'UNIQUE']],
      container: { type: 'MESOS', volumes: [{ containerPath: 'data', mode: 'RW', persistent: { type: 'root', size: 64 } }] },
      // A resident app may not have the role * (Marathon 1.9+); unreachableStrategy is "disabled" by default for it.
      role: 't',
    });
    await model.deploymentDone(model.deploy([app])[0]!, 30000);
    const first = model.tasks('/t/disk');
    const volumeOf = (x: ModelTask) => fs.realpathSync(path.join(x.sandbox, 'data'));
    const before = new Map(first.map((x) => [x.agent.id, volumeOf(x)]));
    for (const x of first) fs.writeFileSync(path.join(x.sandbox, 'data', 'kept'), x.id);
    for (const x of first) x.proc.killGroup('SIGKILL');
    await waitFor('both instances running again', () => model.tasks('/t/disk').filter((x) => !first.includes(x) && x.proc.running).length === 2, 30000);
    for (const x of model.tasks('/t/disk').filter((y) => !first.includes(y))) {
      t.true(volumeOf(x) === before.get(x.agent.id), `${x.id} runs on ${x.agent.id} with that agent's volume`);
      t.true(fs.existsSync(path.join(x.sandbox, 'data', 'kept')), 'what the previous task wrote is there');
    }
  });

  // Tasks are placed freely: the volume does not pin them.
  // A later task on that agent finds what an earlier one wrote, another agent's is its own.
  test("a host volume is the agent's directory, gone with a killed agent", async (t) => {
    const model = await startModel(t, { agents: 3 });
    const app = standinApp({
      id: '/t/host',
      instances: 2,
      constraints: [['hostname', 'UNIQUE']],
      container: { type: 'DOCKER', volumes: [{ containerPath: 'data', hostPath: '/var/lib/t/host', mode: 'RW' }], docker: { image: 'standin' } },
    });
    await model.deploymentDone(model.deploy([app])[0]!, 30000);
    const first = model.tasks('/t/host');
    for (const x of first) fs.writeFileSync(path.join(x.sandbox, 'data', 'written-by'), x.id);
    const onAgent = (agent: string) => path.join(model.hostPath(model.agents.find((a) => a.id === agent)!, '/var/lib/t/host'), 'written-by');
    for (const x of first) t.is(fs.readFileSync(onAgent(x.agent.id), 'utf8'), x.id, `${x.agent.id} keeps it on its own disk`);
    const spare = model.agents.find((a) => !first.some((x) => x.agent === a))!;
    t.false(fs.existsSync(onAgent(spare.id)), 'nothing on the agent that ran no task');

    // Killed at once: each agent's next task finds the data there (placement free: no reservation).
    for (const x of first) x.proc.killGroup('SIGKILL');
    await waitFor('both instances running again', () => model.tasks('/t/host').filter((x) => !first.includes(x) && x.proc.running).length === 2, 30000);
    for (const x of model.tasks('/t/host').filter((y) => !first.includes(y))) {
      const previous = first.find((y) => y.agent === x.agent);
      t.is(fs.existsSync(path.join(x.sandbox, 'data', 'written-by')), previous !== undefined, `${x.id} on ${x.agent.id}`);
      if (previous) t.is(fs.readFileSync(path.join(x.sandbox, 'data', 'written-by'), 'utf8'), previous.id);
    }

    // An agent lost: its disk with it; the replacement goes elsewhere.
    const victim = model.tasks('/t/host').find((x) => x.proc.running)!;
    const victimAgent = victim.agent;
    model.setAgentUnreachableAfter(1);
    model.killAgent(victimAgent.id);
    t.false(fs.existsSync(path.dirname(onAgent(victimAgent.id))), "the killed agent's host volume is gone");
    await waitFor(
      'a replacement on another agent',
      () => model.tasks('/t/host').filter((x) => x.proc.running && x.agent !== victimAgent && x.state === 'running').length === 2,
      60000,
    );
    t.deepEqual(uniqueViolations(model, '/t/host'), []);
  });

  test('a model that crashes, or is told to stop by a signal, removes its namespaces, veths, bridge and tasks on the way out', async (t) => {
    for (const end of ['throw', 'SIGTERM', 'SIGINT'] as const) {
      const run = startCrashing(t);
      const { runId, taskPid } = await run.first;
      t.true(objectsOf(runId).length >= 4, `${end}: its network exists while it runs`);
      if (end === 'throw') run.child.stdin.write('throw\n');
      else run.child.kill(end);
      await run.exited;
      t.deepEqual(objectsOf(runId), [], `${end}: nothing left`);
      await waitFor(`${end}: its task gone`, () => pidGone(taskPid), 10000);
    }
  });

  test("what a SIGKILLed model leaves behind, the next run's sweep removes (processes included)", async (t) => {
    const run = startCrashing(t);
    const { runId, taskPid } = await run.first;
    t.deepEqual(sweepLeftovers(), [], 'a live run is never swept');
    process.kill(run.child.pid!, 'SIGKILL');
    await run.exited;
    t.true(objectsOf(runId).length >= 4, 'SIGKILL leaves the network behind');
    t.false(pidGone(taskPid), 'and the task running in it');
    t.true(sweepLeftovers().includes(runId));
    t.deepEqual(objectsOf(runId), []);
    await waitFor('the leftover task killed', () => pidGone(taskPid), 10000);
  });
}
