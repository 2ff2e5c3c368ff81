import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { constraintPeers, DCOS_PORTS, MESOS_DEFAULT_PORTS, placeTask } from '../../packages/local-stack/src/agents';
import { loadAppDefinitions, MARATHON, parseApp, rawApps, validateApp } from '../../packages/local-stack/src/app-definition';
import { killOrder, restartBudget, upgradeStep } from '../../packages/local-stack/src/deployment';
import { PLATFORMS, type PlatformName } from '../../packages/local-stack/src/platforms';

/**
 * Marathon's validation as the model applies it (app-definition.ts validateApp), per platform
 * (platforms.ts), and every file in marathon/ on the platforms it is written for.
 */

const ROOT = path.join(__dirname, '..', '..');
const MARATHON_DIR = path.join(ROOT, 'marathon');
const ALL: PlatformName[] = ['marathon-oss', 'dcos-open', 'dcos-enterprise'];

/** Each file in marathon/ and the platforms it deploys on unchanged (the README's table). */
const FILE_PLATFORMS: Record<string, PlatformName[]> = {
  'redis-zk.json': ['dcos-enterprise'],
  'redis.json': ['dcos-enterprise'],
  'sentinel.json': ['dcos-enterprise'],
  'watcher.json': ['dcos-enterprise'],
  'redis-zk-open.json': ALL,
  'redis-zk-persistent.json': ALL,
};

test('platforms: Marathon features and the agent-unreachable timer of each', (t) => {
  t.deepEqual([...PLATFORMS['marathon-oss'].features], [], 'open-source Marathon: --enable_features defaults to the empty set');
  t.deepEqual([...PLATFORMS['dcos-open'].features].sort(), ['external_volumes', 'gpu_resources', 'task_killing', 'vips']);
  t.deepEqual([...PLATFORMS['dcos-enterprise'].features].sort(), ['external_volumes', 'gpu_resources', 'secrets', 'task_killing', 'vips']);
  t.is(PLATFORMS['marathon-oss'].agentUnreachableAfterSeconds, 75, 'Mesos: 5 pings × 15 s');
  t.is(PLATFORMS['dcos-open'].agentUnreachableAfterSeconds, 300, 'DC/OS: MESOS_MAX_SLAVE_PING_TIMEOUTS 20 × 15 s');
  t.is(PLATFORMS['dcos-enterprise'].agentUnreachableAfterSeconds, 300);
  t.is(PLATFORMS['marathon-oss'].ports, MESOS_DEFAULT_PORTS);
  t.is(PLATFORMS['dcos-open'].ports, DCOS_PORTS);
  t.true(PLATFORMS['marathon-oss'].hostIsName, 'plain Mesos: HOST is the agent hostname, often a name');
  t.false(PLATFORMS['dcos-enterprise'].hostIsName, 'DC/OS: the agent is named by its IP');
});

test('every file in marathon/ is listed with the platforms it is for', (t) => {
  const files = fs
    .readdirSync(MARATHON_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  t.deepEqual(files, Object.keys(FILE_PLATFORMS).sort());
});

for (const [file, platforms] of Object.entries(FILE_PLATFORMS)) {
  for (const name of ALL) {
    const p = PLATFORMS[name];
    if (platforms.includes(name)) {
      test(`marathon/${file} passes Marathon's validation on ${p.title}, and the model runs it`, (t) => {
        const apps = loadAppDefinitions(path.join(MARATHON_DIR, file), { features: p.features });
        t.true(apps.length >= 1);
      });
    } else {
      test(`marathon/${file} is rejected on ${p.title}, with Marathon's reason`, (t) => {
        const raws = rawApps(JSON.parse(fs.readFileSync(path.join(MARATHON_DIR, file), 'utf8')));
        for (const raw of raws)
          t.true(
            validateApp(raw, p.features).some((v) => v.message === MARATHON.secretRefsNeedFeature),
            String(raw.id),
          );
        t.throws(() => loadAppDefinitions(path.join(MARATHON_DIR, file), { features: p.features }), { message: /Marathon rejects it \(422\)/ });
      });
    }
  }
}

const app = (extra: Record<string, unknown>) => ({ id: '/a', cmd: 'x', portDefinitions: [{ port: 0, name: 'http' }], ...extra });
const messages = (raw: Record<string, unknown>, name: PlatformName = 'marathon-oss') => validateApp(raw, PLATFORMS[name].features).map((v) => v.message);

test("validation: secret references need the secrets feature (EnvVarValidation, AppValidation's featureEnabled)", (t) => {
  const withSecret = app({ secrets: { pw: { source: 'redis-zk/redis-password' } }, env: { REDIS_PASSWORD: { secret: 'pw' } } });
  for (const name of ['marathon-oss', 'dcos-open'] as const)
    t.deepEqual(messages(withSecret, name), [MARATHON.secretRefsNeedFeature, 'Feature secrets is not enabled. Enable with --enable_features secrets)'], name);
  t.deepEqual(messages(withSecret, 'dcos-enterprise'), []);
  t.deepEqual(messages(app({ container: { type: 'MESOS', volumes: [{ containerPath: 'tls', secret: 'cert' }] } }), 'dcos-open'), [
    'Feature secrets is not enabled. Enable with --enable_features secrets)',
  ]);
  t.deepEqual(messages(app({ env: { REDIS_PASSWORD: 'plain' } })), [], 'a plain value passes (and is readable by anyone who can read the app)');
});

const persistent = {
  container: { type: 'DOCKER', volumes: [{ containerPath: 'data', mode: 'RW', persistent: { type: 'root', size: 4096 } }] },
  role: 'redis-zk',
};

test('validation: an app with a persistent volume is resident: unreachableStrategy "disabled", no over-capacity, a role other than *', (t) => {
  t.deepEqual(messages(app({ ...persistent })), [], 'unreachableStrategy left out: "disabled" is its default');
  t.deepEqual(messages(app({ ...persistent, unreachableStrategy: 'disabled', upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 } })), []);
  t.deepEqual(messages(app({ ...persistent, unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 3600 } })), [MARATHON.residentUnreachable]);
  t.deepEqual(messages(app({ ...persistent, upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5 } })), ['got 0.5, expected 0.0']);
  t.deepEqual(messages(app({ container: persistent.container })), [MARATHON.residentRole], "no role: Marathon's --mesos_role, * by default");
  // The recipe docs/marathon.md gave before: residency kept with the default unreachableStrategy of the shipped apps.
  t.deepEqual(
    messages(
      app({
        ...persistent,
        residency: { taskLostBehavior: 'WAIT_FOREVER' },
        unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 3600 },
        upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 },
      }),
      'dcos-enterprise',
    ),
    [MARATHON.residentUnreachable],
  );
});

test('validation: a readiness check names a port by name; at most one', (t) => {
  t.deepEqual(messages(app({ readinessChecks: [{ portName: 'http' }] })), []);
  t.deepEqual(messages(app({ readinessChecks: [{ portName: 'api' }] })), ['No port definition reference for portName api']);
  t.deepEqual(messages(app({ readinessChecks: [{}] })), ['No port definition reference for portName http-api'], "Marathon's default portName");
  t.deepEqual(messages(app({ readinessChecks: [{ portName: 'http' }, { portName: 'http' }] })), ['got 2, expected 1 or less']);
});

test("validation: a health check Marathon runs (HTTP, TCP) names an existing port index; Mesos's are not checked there", (t) => {
  const two = { portDefinitions: [{ port: 0 }, { port: 0 }] };
  t.deepEqual(messages(app({ ...two, healthChecks: [{ protocol: 'HTTP', portIndex: 1 }] })), []);
  t.deepEqual(messages(app({ ...two, healthChecks: [{ protocol: 'HTTP', portIndex: 2 }] })), [MARATHON.portIndex]);
  t.deepEqual(messages(app({ ...two, healthChecks: [{ protocol: 'TCP' }] })), [MARATHON.portIndex], 'no index with two ports');
  t.deepEqual(messages(app({ healthChecks: [{ protocol: 'TCP' }] })), [], 'no index with one port: that one');
  t.deepEqual(messages(app({ ...two, healthChecks: [{ protocol: 'HTTP', port: 8080 }] })), [], 'a fixed port');
  t.deepEqual(messages(app({ ...two, healthChecks: [{ protocol: 'MESOS_HTTP', portIndex: 5 }] })), [], 'not a rule for MESOS_HTTP');
  t.throws(
    () => parseApp(app({ ...two, healthChecks: [{ protocol: 'MESOS_HTTP', portIndex: 5 }] })),
    { message: /names no port/ },
    'but the model cannot run it',
  );
  t.deepEqual(messages(app({ healthChecks: [{ protocol: 'MESOS_HTTP' }, { protocol: 'MESOS_TCP' }] })), [MARATHON.oneMesosHealthCheck]);
});

test("placement: on a change of configuration UNIQUE ignores the old version's tasks (ResourceMatcher); on a restart it counts them", (t) => {
  const offer = (id: string) => ({ agentId: id, hostname: id, attributes: {}, cpus: 4, mem: 8192, disk: 65536, ports: MESOS_DEFAULT_PORTS });
  const req = {
    cpus: 0.5,
    mem: 1024,
    disk: 0,
    portDefinitions: [{ port: 0, protocol: 'tcp' }],
    requirePorts: false,
    constraints: [{ field: 'hostname', operator: 'UNIQUE' as const }],
  };
  // Three agents, each with a task of version v1 (one of them stopping); v2 is being rolled out.
  const known = ['a1', 'a2', 'a3'].map((h) => ({ version: 'v1', hostname: h, attributes: {} }));
  const offers = ['a1', 'a2', 'a3'].map(offer);
  const upgrade = placeTask(req, offers, constraintPeers(known, 'v2'), () => 0);
  t.like(upgrade, { agentId: 'a1' }, 'an upgrade places the new task next to an old one');
  const restart = placeTask(req, offers, constraintPeers(known, 'v1'), () => 0);
  t.true('waiting' in restart, 'a restart (no change of configuration) waits for an agent without a task of the app');
  // Once a v2 task runs on a1, a second v2 task may not go there.
  const second = placeTask(req, offers, constraintPeers([...known, { version: 'v2', hostname: 'a1', attributes: {} }], 'v2'), () => 0);
  t.like(second, { agentId: 'a2' });
});

test('replacement: unhealthy and unreachable old tasks are killed first', (t) => {
  const tasks = [
    { id: 'healthy-young', startedAt: 3, health: 'healthy' as const },
    { id: 'unhealthy', startedAt: 1, health: 'unhealthy' as const },
    { id: 'unreachable', startedAt: 2, health: 'unreachable' as const },
  ];
  t.deepEqual(
    killOrder(tasks, 'YOUNGEST_FIRST').map((x) => x.id),
    ['unreachable', 'unhealthy', 'healthy-young'],
  );
});

test('replacement with maximumOverCapacity 0 and an unreachable instance kept: the one kill at once goes to it, and the deployment stalls (TaskReplaceActor)', (t) => {
  const s = { minimumHealthCapacity: 0.66, maximumOverCapacity: 0 };
  // redis: 3 healthy tasks and an unreachable one (kept for expungeAfterSeconds), replaced already.
  const budget = restartBudget(3, s, { healthy: 3, current: 4 });
  t.deepEqual(budget, { minHealthy: 2, maxCapacity: 3, killImmediately: 1 });
  const start = upgradeStep({ instances: 3, budget, old: ['unreachable', 'a', 'b', 'c'], oldDying: 0, killsOrdered: 0, newActive: 0, newReady: 0 });
  t.deepEqual(start, { kill: ['unreachable'], launch: 0, done: false }, 'the unreachable one is first to be killed');
  // Killing it only makes Marathon forget it: three old tasks still run, there is no room.
  const after = upgradeStep({ instances: 3, budget, old: ['a', 'b', 'c'], oldDying: 0, killsOrdered: 1, newActive: 0, newReady: 0 });
  t.deepEqual(after, { kill: [], launch: 0, done: false }, 'stalled: nothing to kill, nothing to launch');
  // The runbook: an operator kills one old task; once it is gone there is room for a new one.
  const unblocked = upgradeStep({ instances: 3, budget, old: ['b', 'c'], oldDying: 0, killsOrdered: 1, newActive: 0, newReady: 0 });
  t.deepEqual(unblocked, { kill: [], launch: 1, done: false });
  // Without the unreachable instance the same strategy rolls one at a time.
  t.deepEqual(restartBudget(3, s, { healthy: 3, current: 3 }), { minHealthy: 2, maxCapacity: 3, killImmediately: 1 });
  t.deepEqual(upgradeStep({ instances: 3, budget, old: ['b', 'c'], oldDying: 0, killsOrdered: 1, newActive: 0, newReady: 0 }).launch, 1);
});

test('replacement of a resident app with no room: one more killed at once instead of one over capacity', (t) => {
  const s = { minimumHealthCapacity: 1, maximumOverCapacity: 0 };
  t.deepEqual(restartBudget(3, s, { healthy: 3, current: 3 }), { minHealthy: 3, maxCapacity: 4, killImmediately: 0 });
  t.deepEqual(restartBudget(3, s, { healthy: 3, current: 3, resident: true }), { minHealthy: 3, maxCapacity: 3, killImmediately: 1 });
});
