import test from 'ava';
import { parseApp } from '../../packages/local-stack/src/app-definition';
import { delayAdvanced, delayAfterFailure, delayOverdue, launchNotBefore } from '../../packages/local-stack/src/backoff';
import { applyCheckResult, type CheckState, NEW_CHECK, taskHealth } from '../../packages/local-stack/src/health-rules';
import { cidrsOverlap, parseCidr, pickSubnet } from '../../packages/local-stack/src/netns';
import { scalaDouble, taskEnvironment } from '../../packages/local-stack/src/task-env';
import { unreachableStage } from '../../packages/local-stack/src/unreachable';

test("launch delay: backoffSeconds, then × backoffFactor up to maxLaunchDelaySeconds; dropped maxLaunchDelaySeconds after it was last set or advanced (Marathon's RateLimiter)", (t) => {
  const b = { backoffSeconds: 5, backoffFactor: 1.5, maxLaunchDelaySeconds: 12 };
  const ms = (s: number) => s * 1000;
  let d = delayAfterFailure(undefined, b, 0, ms);
  t.deepEqual(d, { seconds: 5, since: 0 });
  t.is(launchNotBefore(d, ms), 5000);
  for (const want of [7.5, 11.25, 12, 12]) {
    d = delayAfterFailure(d, b, 1000, ms);
    t.is(d.seconds, want);
  }
  t.false(delayOverdue(d, b, 13_000, ms), 'not yet 12 s after it was set');
  t.true(delayOverdue(d, b, 13_001, ms), 'maxLaunchDelaySeconds after it was set: dropped');
  t.is(delayAfterFailure(d, b, 13_001, ms).seconds, 5, 'the next failure starts over');
  const advanced = delayAdvanced(d, 12_000)!;
  t.deepEqual(advanced, { seconds: 12, since: 12_000 }, 'a task that runs moves the reference time');
  t.false(delayOverdue(advanced, b, 13_001, ms));
  t.is(delayAfterFailure(advanced, b, 20_000, ms).seconds, 12, 'a failure within maxLaunchDelaySeconds of a launch keeps growing');
  t.is(delayAdvanced(undefined, 1), undefined);
  t.is(launchNotBefore(undefined, ms), 0);
  t.is(delayAfterFailure(undefined, { backoffSeconds: 10, backoffFactor: 2, maxLaunchDelaySeconds: 3 }, 0, ms).seconds, 3, 'never above the maximum');
});

test('applyCheckResult: grace until first healthy, then maxConsecutiveFailures kills', (t) => {
  const rules = { gracePeriodMs: 10_000, maxConsecutiveFailures: 3 };
  const healthy: CheckState = { consecutiveFailures: 0, everHealthy: true, healthy: true };
  const cases: Array<[string, CheckState, boolean, number, Partial<CheckState>, boolean]> = [
    ['failure in grace, never healthy: ignored', NEW_CHECK, false, 5_000, { consecutiveFailures: 0, healthy: undefined }, false],
    ['failure after grace counts', NEW_CHECK, false, 10_000, { consecutiveFailures: 1, healthy: false }, false],
    ['failure in grace once healthy counts', healthy, false, 1_000, { consecutiveFailures: 1, healthy: false }, false],
    ['third failure kills', { consecutiveFailures: 2, everHealthy: true, healthy: false }, false, 60_000, { consecutiveFailures: 3 }, true],
    [
      'a pass resets',
      { consecutiveFailures: 2, everHealthy: true, healthy: false },
      true,
      60_000,
      { consecutiveFailures: 0, healthy: true, everHealthy: true },
      false,
    ],
  ];
  for (const [name, s, ok, since, want, kill] of cases) {
    const r = applyCheckResult(s, { ok, detail: 'x' }, rules, since);
    t.like(r.state, want, name);
    t.is(r.kill, kill, name);
  }
  t.false(
    applyCheckResult({ consecutiveFailures: 99, everHealthy: true, healthy: false }, { ok: false }, { gracePeriodMs: 0, maxConsecutiveFailures: 0 }, 1).kill,
    "0: Marathon's own check never kills",
  );
  t.true(
    applyCheckResult(NEW_CHECK, { ok: false }, { gracePeriodMs: 0, maxConsecutiveFailures: 0, byMesos: true }, 1).kill,
    '0: a check Mesos runs kills on the first failure (consecutive_failures 0)',
  );
  t.false(applyCheckResult(NEW_CHECK, { ok: false }, { gracePeriodMs: 10, maxConsecutiveFailures: 0, byMesos: true }, 1).kill, 'but not in its grace period');
  t.is(taskHealth([]), 'healthy');
  t.is(taskHealth([healthy, NEW_CHECK]), 'unknown');
  t.is(taskHealth([healthy, { ...healthy, healthy: false }]), 'unhealthy');
});

test('pickSubnet: a /24 of 198.18.0.0/15 clear of every route and address', (t) => {
  t.true(cidrsOverlap(parseCidr('198.18.0.0/15')!, parseCidr('198.19.4.0/24')!));
  t.false(cidrsOverlap(parseCidr('198.18.0.0/24')!, parseCidr('198.18.1.0/24')!));
  t.true(cidrsOverlap(parseCidr('10.0.0.0/8')!, parseCidr('10.1.2.3')!));
  const routes = ['0.0.0.0/0', '192.0.2.0/24', '127.0.0.0/8', '198.18.0.0/16', '198.19.0.0/24'];
  for (const r of [0, 0.5, 0.9999]) {
    const s = pickSubnet(routes, () => r)!;
    t.regex(s, /^198\.19\.\d+\.0\/24$/);
    t.not(s, '198.19.0.0/24');
  }
  t.is(pickSubnet(['198.18.0.0/15']), undefined, 'nothing free');
  t.is(pickSubnet(['198.18.0.0/15', '0.0.0.0/0']), undefined);
  t.is(
    pickSubnet([], () => 0),
    '198.18.0.0/24',
    'a default route does not count',
  );
});

test('task environment as Marathon sets it', (t) => {
  const app = parseApp({
    id: '/g/web',
    cmd: 'serve',
    cpus: 0.5,
    mem: 1024,
    env: { A: '1', SECRET: { secret: 's' } },
    secrets: { s: { source: 'store/key' } },
    container: { type: 'DOCKER', docker: { image: 'img:1' } },
    portDefinitions: [
      { port: 0, name: 'http' },
      { port: 10005, name: 'admin-api' },
    ],
    labels: { 'redis-zk.role': 'web' },
  });
  const env = taskEnvironment({
    app,
    version: 'v1',
    taskId: 'g_web.1',
    hostname: '198.18.0.11',
    agentIp: '198.18.0.11',
    hostPorts: [31001, 31002],
    sandbox: '/s',
  });
  t.like(env, {
    A: '1',
    PORT0: '31001',
    PORT1: '31002',
    PORT: '31001',
    PORTS: '31001,31002',
    PORT_HTTP: '31001',
    PORT_ADMIN_API: '31002',
    PORT_10005: '31002',
    HOST: '198.18.0.11',
    MARATHON_APP_ID: '/g/web',
    MARATHON_APP_VERSION: 'v1',
    MARATHON_APP_DOCKER_IMAGE: 'img:1',
    MARATHON_APP_RESOURCE_CPUS: '0.5',
    MARATHON_APP_RESOURCE_MEM: '1024.0',
    MARATHON_APP_RESOURCE_DISK: '0.0',
    MARATHON_APP_LABELS: 'REDIS_ZK_ROLE',
    MARATHON_APP_LABEL_REDIS_ZK_ROLE: 'web',
    MESOS_TASK_ID: 'g_web.1',
    MESOS_SANDBOX: '/s',
  });
  t.false('LIBPROCESS_IP' in env, "a Docker task gets no LIBPROCESS_IP: docker run passes the task's environment, not the agent's");
  const mesosTask = taskEnvironment({
    app: { ...app, container: { type: 'MESOS' } },
    version: 'v1',
    taskId: 'g_web.1',
    hostname: 'agent-1',
    agentIp: '198.18.0.11',
    hostPorts: [31001, 31002],
    sandbox: '/s',
  });
  t.like(
    mesosTask,
    { HOST: 'agent-1', LIBPROCESS_IP: '198.18.0.11' },
    "a Mesos containerizer task inherits the agent's LIBPROCESS_IP; HOST is the offer's hostname, a name on plain Mesos",
  );
  t.false('SECRET' in env, "secrets have no value here: the stack's store supplies them");
  t.deepEqual(app.secretEnv, { SECRET: 'store/key' }, 'a variable from a secret names its source');
  t.throws(() => parseApp({ id: '/x', cmd: 'x', env: { S: { secret: 'nope' } } }), { message: /S refers to undeclared secret nope/ });
  t.is(scalaDouble(128), '128.0');
});

test("parseApp: Marathon's defaults, and definitions the model cannot run are refused", (t) => {
  const a = parseApp({
    id: '/a',
    cmd: 'x',
    healthChecks: [{ protocol: 'HTTP' }],
    readinessChecks: [{ portName: 'p' }],
    portDefinitions: [{ port: 0, name: 'p' }],
  });
  t.like(a, {
    instances: 1,
    cpus: 1,
    mem: 128,
    requirePorts: false,
    killSelection: 'YOUNGEST_FIRST',
    backoffSeconds: 1,
    backoffFactor: 1.15,
    maxLaunchDelaySeconds: 300,
    upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
  });
  t.like(a.healthChecks[0], { path: '/', portIndex: 0, gracePeriodSeconds: 300, intervalSeconds: 60, timeoutSeconds: 20, maxConsecutiveFailures: 3 });
  t.like(a.readinessChecks[0], { path: '/', intervalSeconds: 30, timeoutSeconds: 10, httpStatusCodesForReady: [200] });
  t.deepEqual(parseApp({ id: '/b', cmd: 'x' }).portDefinitions, [{ port: 0, protocol: 'tcp' }]);
  const refused: Array<[Record<string, unknown>, RegExp]> = [
    [{ id: '/c' }, /exactly one of cmd and args/],
    [{ id: '/c', cmd: 'x', networks: [{ mode: 'container/bridge' }] }, /host networking only/],
    [{ id: '/c', cmd: 'x', constraints: [['hostname', 'GROUP_BY']] }, /the model knows/],
    [{ id: '/c', cmd: 'x', healthChecks: [{ protocol: 'HTTPS' }] }, /health check protocol HTTPS/],
    [{ id: '/c', cmd: 'x', readinessChecks: [{ portName: 'nope' }] }, /No port definition reference for portName nope/],
  ];
  for (const [raw, why] of refused) t.throws(() => parseApp(raw), { message: why });
});

test('unreachableStage: unreachable, then inactive (replaced), then expunged (forgotten)', (t) => {
  const ms = (s: number) => s * 1000;
  const cases: Array<[number, Parameters<typeof unreachableStage>[1], ReturnType<typeof unreachableStage>]> = [
    [0, { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 }, 'expunged'],
    [0, { inactiveAfterSeconds: 300, expungeAfterSeconds: 600 }, 'unreachable'],
    [299_999, { inactiveAfterSeconds: 300, expungeAfterSeconds: 600 }, 'unreachable'],
    [300_000, { inactiveAfterSeconds: 300, expungeAfterSeconds: 600 }, 'inactive'],
    [600_000, { inactiveAfterSeconds: 300, expungeAfterSeconds: 600 }, 'expunged'],
    [5_000, { inactiveAfterSeconds: 10, expungeAfterSeconds: 0 }, 'unreachable'], // never expunged before inactive
    [10_000, { inactiveAfterSeconds: 10, expungeAfterSeconds: 0 }, 'expunged'],
    [1e9, 'disabled', 'unreachable'],
  ];
  for (const [since, strategy, want] of cases) t.is(unreachableStage(since, strategy, ms), want, `${since} ms under ${JSON.stringify(strategy)}`);
});
