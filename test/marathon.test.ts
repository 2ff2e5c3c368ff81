import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { VARS } from '../packages/core/src/config/vars';
import { launchCommand } from '../packages/core/src/process/node-flags';
import './helpers/exit-guard'; // fails this file if its worker outlives its tests

/**
 * The Marathon definitions in marathon/ carry the production choices the README documents
 * (marathon-schema.test.ts checks them against Marathon's own JSON Schemas; unit/model-validation
 * each file against Marathon's validation on its platform). The health-check commands are also
 * run for real against a redis-server. redis-zk.json (DC/OS Enterprise, Marathon secrets) is the
 * reference; redis-zk-open.json (no secrets feature: open-source Marathon, DC/OS Open) and
 * redis-zk-persistent.json (local persistent volumes) are kept equal to it but for what they change.
 */

const ROOT = path.join(__dirname, '..');
const MARATHON_DIR = path.join(ROOT, 'marathon');

type Json = Record<string, unknown>;
interface HealthCheck {
  protocol?: string;
  path?: string;
  portIndex?: number;
  command?: { value?: string };
  gracePeriodSeconds?: number;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  maxConsecutiveFailures?: number;
}
interface App {
  id: string;
  cmd?: string;
  instances?: number;
  cpus?: number;
  mem?: number;
  disk?: number;
  container?: { type?: string; docker?: { image?: string; network?: string }; volumes?: unknown[] };
  networks?: Array<{ mode?: string }>;
  portDefinitions?: Array<{ port?: number; name?: string }>;
  requirePorts?: boolean;
  env?: Record<string, string | { secret: string }>;
  secrets?: Record<string, { source?: string }>;
  healthChecks?: HealthCheck[];
  constraints?: string[][];
  upgradeStrategy?: { minimumHealthCapacity?: number; maximumOverCapacity?: number };
  taskKillGracePeriodSeconds?: number;
  backoffSeconds?: number;
  backoffFactor?: number;
  maxLaunchDelaySeconds?: number;
  residency?: unknown;
}
interface Group {
  id: string;
  apps?: App[];
  groups?: Group[];
}

const readJson = (file: string): Json => JSON.parse(fs.readFileSync(file, 'utf8')) as Json;

const marathonFiles = fs
  .readdirSync(MARATHON_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const group = readJson(path.join(MARATHON_DIR, 'redis-zk.json')) as unknown as Group;
const apps = group.apps ?? [];
const app = (name: string): App => {
  const found = apps.find((a) => a.id === `/redis-zk/${name}`);
  if (!found) throw new Error(`no app /redis-zk/${name} in marathon/redis-zk.json`);
  return found;
};

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const development = fs.readFileSync(path.join(ROOT, 'docs', 'development.md'), 'utf8');
/** The configuration table: `| \`NAME\` | default | used by | meaning |`. */
const readmeVars = new Map<string, string[]>();
for (const line of readme.split('\n')) {
  const m = /^\| `([A-Z0-9_]+)` \|/.exec(line);
  if (!m) continue;
  const usedBy = line.split('|')[3] ?? '';
  readmeVars.set(
    m[1]!,
    usedBy
      .split(/[,/]/)
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

const PROGRAMS = {
  redis: { cmd: launchCommand('redis-wrapper'), instances: 3, killGrace: 30, port: 'redis', ports: ['redis', 'api'] },
  sentinel: { cmd: launchCommand('sentinel-wrapper'), instances: 3, killGrace: 10, port: 'sentinel', ports: ['sentinel'] },
  watcher: { cmd: launchCommand('watcher'), instances: 2, killGrace: 10, port: 'http', ports: ['http'] },
} as const;
type Name = keyof typeof PROGRAMS;
const NAMES = Object.keys(PROGRAMS) as Name[];

test('marathon/ holds the group and one file per app, the open group and the persistent-volume group', (t) => {
  for (const f of ['redis-zk.json', 'redis.json', 'sentinel.json', 'watcher.json', 'redis-zk-open.json', 'redis-zk-persistent.json'])
    t.true(marathonFiles.includes(f), f);
});

const openGroup = readJson(path.join(MARATHON_DIR, 'redis-zk-open.json')) as unknown as Group;
const persistentGroup = readJson(path.join(MARATHON_DIR, 'redis-zk-persistent.json')) as unknown as Group;
/** Where the open group's tasks read REDIS_PASSWORD and ZK_AUTH: a file on the agent, mounted read-only (not in the definition, not in argv). */
const ENV_FILE = '"$MESOS_SANDBOX/secrets/redis-zk.env"';
const SECRETS_VOLUME = { containerPath: 'secrets', hostPath: '/etc/redis-zk', mode: 'RO' };
/** The sentinel check of the open group reads the same file (a COMMAND check does not see what the task's shell sourced). */
const CHECK_SOURCES = `set -a; . "\${MESOS_SANDBOX:-/mnt/mesos/sandbox}/secrets/redis-zk.env"; set +a; `;

/** The Enterprise app as the open group must have it: no secrets, the env file sourced, its directory mounted. */
function asOpen(a: App): App {
  const { secrets: _secrets, ...rest } = a;
  const env = Object.fromEntries(Object.entries(a.env ?? {}).filter(([k]) => k !== 'REDIS_PASSWORD' && k !== 'ZK_AUTH'));
  const hc = (a.healthChecks ?? []).map((h) => (h.command ? { ...h, command: { value: `${CHECK_SOURCES}${h.command.value}` } } : h));
  return {
    ...rest,
    cmd: `set -a && . ${ENV_FILE} && set +a && exec ${a.cmd}`,
    container: { type: a.container?.type, volumes: [...(a.container?.volumes ?? []), SECRETS_VOLUME], docker: a.container?.docker },
    env,
    healthChecks: hc,
  };
}

test('redis-zk-open.json: the Enterprise group without secret references; REDIS_PASSWORD and ZK_AUTH from a file on the agent, sourced before exec', (t) => {
  t.is(openGroup.id, '/redis-zk');
  t.deepEqual(openGroup.apps, apps.map(asOpen));
  const text = fs.readFileSync(path.join(MARATHON_DIR, 'redis-zk-open.json'), 'utf8');
  t.false(/"secrets?":/.test(text), 'no secret reference: open-source Marathon and DC/OS Open reject them');
  for (const a of openGroup.apps ?? [])
    t.regex(a.cmd ?? '', /&& exec node (--[a-z-]+ )*packages\/[a-z-]+\/dist\/main\.js$/, `${a.id}: node replaces the shell (PID 1, gets SIGTERM)`);
});

test('redis-zk-persistent.json: the open group with redis on local persistent volumes, as Marathon requires of a resident app', (t) => {
  const redis = persistentGroup.apps?.find((a) => a.id === '/redis-zk/redis') as App & { role?: string; unreachableStrategy?: unknown };
  const open = openGroup.apps?.find((a) => a.id === '/redis-zk/redis') as App & { role?: string; unreachableStrategy?: unknown };
  t.deepEqual(redis.container?.volumes, [{ containerPath: 'data', mode: 'RW', persistent: { type: 'root', size: 4096 } }, SECRETS_VOLUME]);
  t.is(redis.unreachableStrategy, 'disabled', 'a resident app must have unreachableStrategy "disabled"');
  t.deepEqual(redis.upgradeStrategy, { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 }, 'and no over-capacity');
  t.is(redis.role, 'redis-zk', 'a reserved role (the top-level group): resident apps cannot have the role *');
  t.is(redis.residency, undefined, 'residency is deprecated and changes nothing');
  t.deepEqual(redis.constraints, [['hostname', 'UNIQUE']], 'the volumes pin each instance to its agent');
  const { container: _c, unreachableStrategy: _u, upgradeStrategy: _s, role: _r, constraints: _k, ...same } = redis;
  const { container: _c2, unreachableStrategy: _u2, upgradeStrategy: _s2, constraints: _k2, ...sameOpen } = open;
  t.deepEqual(same, sameOpen, 'everything else as in the open group');
  t.deepEqual(
    persistentGroup.apps?.filter((a) => a.id !== '/redis-zk/redis'),
    openGroup.apps?.filter((a) => a.id !== '/redis-zk/redis'),
  );
});

// --- content ------------------------------------------------------------------------------------

test('one group /redis-zk with exactly the three apps', (t) => {
  t.is(group.id, '/redis-zk');
  t.deepEqual(
    apps.map((a) => a.id),
    ['/redis-zk/redis', '/redis-zk/sentinel', '/redis-zk/watcher'],
  );
  t.is(group.groups, undefined);
});

for (const name of NAMES) {
  test(`marathon/${name}.json equals the group's ${name} app`, (t) => {
    t.deepEqual(readJson(path.join(MARATHON_DIR, `${name}.json`)), app(name) as unknown as Json);
  });
}

for (const name of NAMES) {
  const want = PROGRAMS[name];

  test(`${name}: cmd is the documented launch contract, ${want.instances} instances`, (t) => {
    const a = app(name);
    t.is(a.cmd, want.cmd);
    t.true(development.includes(`\`${want.cmd}\``), 'docs/development.md states this launch contract');
    t.is(a.instances, want.instances);
  });

  test(`${name}: one image, Docker with host networking, named ports`, (t) => {
    const a = app(name);
    t.is(a.container?.type, 'DOCKER');
    t.is(a.container?.docker?.image, 'redis-zk/redis-zk:0.1.0');
    t.deepEqual(a.networks, [{ mode: 'host' }]);
    t.is(a.container?.docker?.network, undefined, 'the deprecated docker.network is not mixed with networks');
    t.deepEqual(
      a.portDefinitions?.map((p) => p.name),
      [...want.ports],
    );
    t.is(a.portDefinitions?.[0]?.name, want.port);
    t.true((a.cpus ?? 0) > 0 && (a.mem ?? 0) > 0);
  });

  test(`${name}: instances spread over agents${name === 'redis' ? ', on the agents labelled for its data' : ''}`, (t) => {
    t.deepEqual(
      app(name).constraints,
      name === 'redis'
        ? [
            ['hostname', 'UNIQUE'],
            ['redis_zk', 'IS', 'true'],
          ]
        : [['hostname', 'UNIQUE']],
    );
  });

  test(`${name}: kill grace period and launch backoff`, (t) => {
    const a = app(name);
    t.is(a.taskKillGracePeriodSeconds, want.killGrace);
    t.true((a.backoffSeconds ?? 0) >= 1);
    t.true((a.backoffFactor ?? 0) > 1);
    t.true((a.maxLaunchDelaySeconds ?? 0) >= (a.backoffSeconds ?? 0));
  });

  test(`${name}: exactly one health check with sane timing`, (t) => {
    const checks = app(name).healthChecks ?? [];
    t.is(checks.length, 1);
    const hc = checks[0]!;
    t.true((hc.gracePeriodSeconds ?? 0) >= 60, 'grace covers the wait for a master');
    t.true((hc.intervalSeconds ?? 0) > 0);
    t.true((hc.timeoutSeconds ?? 0) > 0 && hc.timeoutSeconds! < hc.intervalSeconds!);
    t.true((hc.maxConsecutiveFailures ?? 0) >= 3, 'never killed for one slow answer');
  });
}

test('watcher: a dynamic host port (no agent offers 8080), reached at :8080 through a VIP, marathon-lb and Mesos-DNS', (t) => {
  const a = app('watcher') as App & { portDefinitions?: Array<{ port?: number; labels?: Record<string, string> }>; labels?: Record<string, string> };
  t.is(a.portDefinitions?.[0]?.port, 0);
  t.false(a.requirePorts);
  t.is(a.portDefinitions?.[0]?.labels?.VIP_0, '/redis-zk-watcher:8080', 'layer-4 load balancer: redis-zk-watcher.marathon.l4lb.thisdcos.directory:8080');
  t.is(a.labels?.HAPROXY_GROUP, 'internal', 'marathon-lb');
  t.is(a.labels?.HAPROXY_0_PORT, '8080', 'marathon-lb service port');
  for (const way of ['redis-zk-watcher.marathon.l4lb.thisdcos.directory:8080', 'HAPROXY_0_PORT', '_watcher-redis-zk._tcp.marathon.mesos'])
    t.true(readme.includes(way), `the README shows ${way}`);
});

test("watcher: Marathon's health check is liveness (MESOS_HTTP /liveness), never ZooKeeper's state; readiness gates deployments", (t) => {
  const a = app('watcher') as App & { readinessChecks?: Array<Record<string, unknown>> };
  const hc = a.healthChecks?.[0];
  t.is(hc?.protocol, 'MESOS_HTTP', 'run on the agent: a Marathon cut off from the agent kills nothing');
  t.is(hc?.path, '/liveness');
  t.is(hc?.portIndex, 0);
  const [check] = a.readinessChecks ?? [];
  t.is(a.readinessChecks?.length, 1);
  t.is(check?.protocol, 'HTTP');
  t.is(check?.path, '/readiness');
  t.is(check?.portName, 'http');
  t.deepEqual(check?.httpStatusCodesForReady, [200]);
});

test("redis: Marathon's health check is the node API's /health (MESOS_HTTP on the api port): redis-server answers and the wrapper's loop runs", (t) => {
  const hc = app('redis').healthChecks?.[0];
  t.is(hc?.protocol, 'MESOS_HTTP');
  t.is(hc?.path, '/health');
  t.is(app('redis').portDefinitions?.[hc?.portIndex ?? -1]?.name, 'api');
});

test('no definition names a network interface: redis and Sentinel bind the address Mesos gives the task (HOST, LIBPROCESS_IP)', (t) => {
  for (const a of apps) {
    t.is(a.env?.NET_IFACE, undefined, a.id);
    t.is(a.env?.BIND_IP, undefined, a.id);
  }
});

/** What redis-server needs after the switchover to stop cleanly (fsync the AOF, write the RDB). */
const SHUTDOWN_MARGIN_MS = 5000;

test('redis: SWITCHOVER_TIMEOUT_MS (with time for redis-server to stop) stays below taskKillGracePeriodSeconds', (t) => {
  for (const file of marathonFiles) {
    const doc = readJson(path.join(MARATHON_DIR, file)) as unknown as Group & App;
    for (const a of (doc.apps ?? [doc]).filter((x) => x.id === '/redis-zk/redis')) {
      const given = a.env?.SWITCHOVER_TIMEOUT_MS;
      const switchover = Number(typeof given === 'string' ? given : VARS.SWITCHOVER_TIMEOUT_MS.default);
      const graceMs = (a.taskKillGracePeriodSeconds ?? 3) * 1000;
      t.true(
        switchover + SHUTDOWN_MARGIN_MS <= graceMs,
        `${file}: switchover ${switchover} ms + ${SHUTDOWN_MARGIN_MS} ms > kill grace ${graceMs} ms: Marathon would SIGKILL a master mid-switchover`,
      );
    }
  }
});

test('every app has an explicit unreachableStrategy: replaced once Mesos calls its agent unreachable, kept long enough to come back', (t) => {
  for (const a of apps as Array<App & { unreachableStrategy?: { inactiveAfterSeconds?: number; expungeAfterSeconds?: number } }>) {
    const u = a.unreachableStrategy;
    t.is(typeof u, 'object', a.id);
    t.is(u?.inactiveAfterSeconds, 0, `${a.id}: replaced at once`);
    t.true(
      (u?.expungeAfterSeconds ?? 0) >= 600,
      `${a.id}: a task that comes back within the expunge window is kept (the surplus killed youngest first), not killed`,
    );
  }
});

/** redis-cli's arguments: PORT0 on loopback, with TLS (and the task's certificate) when enabled. */
const CLI_ARGS =
  'set -- -p "$PORT0"; [ "$REDIS_TLS_ENABLED" = yes ] && set -- "$@" --tls --cacert ' +
  '"$REDIS_TLS_CA_FILE" --cert "$REDIS_TLS_CERT_FILE" --key "$REDIS_TLS_KEY_FILE"; ';
const PING = 'redis-cli "$@" ping | grep -q PONG';
const SENTINEL_CHECK = `${CLI_ARGS}REDISCLI_AUTH="\${SENTINEL_PASSWORD:-$REDIS_PASSWORD}" ${PING}`;

test('sentinel: a COMMAND check that PINGs Sentinel on PORT0, authenticated (password in the environment, never the command line), TLS when enabled', (t) => {
  const sentinel = app('sentinel').healthChecks?.[0];
  t.is(sentinel?.protocol, 'COMMAND');
  t.is(sentinel?.command?.value, SENTINEL_CHECK);
  t.notRegex(SENTINEL_CHECK, / -a /, 'redis-cli -a would put the password in /proc/*/cmdline');
  t.is(app('redis').portDefinitions?.[0]?.port, 0, 'redis gets a dynamic host port');
  t.is(app('sentinel').portDefinitions?.[0]?.port, 0, 'sentinel gets a dynamic host port');
});

test('redis and sentinel upgrades replace one task at a time: 2 of 3 stay healthy, none extra', (t) => {
  for (const name of ['redis', 'sentinel'] as const) {
    const a = app(name);
    const us = a.upgradeStrategy ?? {};
    // Marathon keeps ceil(instances * minimumHealthCapacity) healthy.
    const keep = Math.ceil(a.instances! * us.minimumHealthCapacity!);
    t.is(keep, 2, `${name}: keeps ${keep} of ${a.instances} healthy`);
    t.is(us.maximumOverCapacity, 0, `${name}: no extra task (UNIQUE hostname, one per agent)`);
  }
  const w = app('watcher');
  t.is(Math.ceil(w.instances! * w.upgradeStrategy!.minimumHealthCapacity!), 1);
  t.is(w.upgradeStrategy?.maximumOverCapacity, 0);
});

test("redis: data on the agent's disk (a host volume at the sandbox's data, the default DATA_DIR), one directory per app; no resident tasks", (t) => {
  const a = app('redis');
  t.true((a.disk ?? 0) >= 1024);
  // A host volume outlives the task on its agent (a cold restart finds the data) without pinning the task there.
  t.deepEqual(a.container?.volumes, [{ containerPath: 'data', hostPath: '/var/lib/redis-zk/redis-zk-redis', mode: 'RW' }]);
  t.is(a.residency, undefined, 'no local persistent volume: tasks move freely when an agent is lost');
  t.is(a.env?.DATA_DIR, undefined, 'DATA_DIR stays at its default, $MESOS_SANDBOX/data: the host volume');
  for (const other of ['sentinel', 'watcher'] as const) t.is(app(other).container?.volumes, undefined, `${other}: nothing to keep`);
});

test('sentinel: quorum and timing from the configuration table', (t) => {
  const env = app('sentinel').env ?? {};
  t.is(env.SENTINEL_QUORUM, '2');
  t.is(env.SENTINEL_DOWN_AFTER_MS, '5000');
  t.is(env.SENTINEL_FAILOVER_TIMEOUT_MS, '60000');
  t.is(app('redis').env?.MASTER_NAME, 'mymaster');
});

test('README configuration table parsed', (t) => {
  t.true(readmeVars.size >= 20, `only ${readmeVars.size} rows found`);
  t.deepEqual(readmeVars.get('ZK_HOSTS'), ['redis', 'sentinel', 'watcher', 'cli']);
});

for (const file of marathonFiles) {
  test(`${file}: every env var is in the README's table, for the program that reads it`, (t) => {
    const doc = readJson(path.join(MARATHON_DIR, file)) as unknown as Group & App;
    const list: App[] = doc.apps ?? [doc];
    for (const a of list) {
      const program = a.id.split('/').pop()!;
      for (const name of Object.keys(a.env ?? {})) {
        const usedBy = readmeVars.get(name);
        t.truthy(usedBy, `${a.id}: ${name} is not in the README's configuration table`);
        t.true(usedBy?.includes(program), `${a.id}: ${name} is not used by ${program} (README: ${usedBy?.join(', ')})`);
      }
    }
  });
}

test('secure as shipped: every app takes REDIS_PASSWORD and ZK_AUTH from declared Marathon secrets, and never waives the password', (t) => {
  for (const a of apps) {
    for (const name of ['REDIS_PASSWORD', 'ZK_AUTH']) {
      const value = a.env?.[name];
      t.true(typeof value === 'object' && !!a.secrets?.[value.secret]?.source, `${a.id}: ${name} from a secret`);
    }
    t.is(a.env?.ALLOW_EMPTY_PASSWORD, undefined, `${a.id}: no waiver`);
  }
  const source = (a: App, name: string) => {
    const v = a.env?.[name];
    return typeof v === 'object' ? a.secrets?.[v.secret]?.source : undefined;
  };
  t.is(new Set(apps.map((a) => source(a, 'REDIS_PASSWORD'))).size, 1, 'one password for the three apps');
  t.is(new Set(apps.map((a) => source(a, 'ZK_AUTH'))).size, 1, 'one ZooKeeper identity for the three apps');
});

test('no password in plain env; REDIS_PASSWORD, where set, comes from a declared Marathon secret', (t) => {
  for (const a of apps) {
    for (const [name, value] of Object.entries(a.env ?? {})) {
      if (typeof value === 'string') {
        t.false(/PASSWORD|SECRET|TOKEN|AUTH$/.test(name), `${a.id}: ${name} in plain env`);
      } else {
        t.truthy(a.secrets?.[value.secret]?.source, `${a.id}: ${name} refers to undeclared secret ${value.secret}`);
      }
    }
  }
});

// --- the health-check commands, run for real -------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net
      .createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
  });
}

/** Runs a COMMAND health check as Mesos does (`sh -c`), with the task's environment. */
function runCheck(command: string, env: Record<string, string>): number | null {
  return spawnSync('/bin/sh', ['-c', command], { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore', timeout: 5000 }).status;
}

test('the sentinel COMMAND health check passes only while the server answers (with the password)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-hc-'));
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--requirepass', 'hunter2'],
    { stdio: 'ignore' },
  );
  const exited = new Promise((r) => server.once('exit', r));
  t.teardown(() => {
    server.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const sentinelCheck = app('sentinel').healthChecks![0]!.command!.value!;
  const env = { PORT0: String(port), REDIS_PASSWORD: 'hunter2' };

  const deadline = Date.now() + 10000;
  while (runCheck(sentinelCheck, env) !== 0) {
    if (Date.now() > deadline) throw new Error('redis-server never answered the health check');
    await new Promise((r) => setTimeout(r, 100));
  }
  t.is(runCheck(sentinelCheck, env), 0, "Sentinel's password defaults to REDIS_PASSWORD");
  t.is(runCheck(sentinelCheck, { PORT0: String(port), REDIS_PASSWORD: 'wrong', SENTINEL_PASSWORD: 'hunter2' }), 0, 'SENTINEL_PASSWORD wins');
  t.not(runCheck(sentinelCheck, { ...env, SENTINEL_PASSWORD: 'wrong' }), 0);
  t.not(runCheck(sentinelCheck, { PORT0: String(port) }), 0, 'a server that demands a password does not answer an unauthenticated PING');

  server.kill('SIGTERM');
  await exited;
  t.not(runCheck(sentinelCheck, env), 0, 'unhealthy once the server is gone');
});

test('the sentinel COMMAND health check passes against a server without a password', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-hc-'));
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  t.teardown(() => {
    server.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const sentinelCheck = app('sentinel').healthChecks![0]!.command!.value!;
  const deadline = Date.now() + 10000;
  while (runCheck(sentinelCheck, { PORT0: String(port) }) !== 0) {
    if (Date.now() > deadline) throw new Error('redis-server never answered the health check');
    await new Promise((r) => setTimeout(r, 100));
  }
  t.is(runCheck(sentinelCheck, { PORT0: String(port), REDIS_PASSWORD: '' }), 0, 'an empty REDIS_PASSWORD still passes');
});

test('redis: a readiness check on the node API, so a rolling upgrade never outruns replication', (t) => {
  const a = app('redis') as App & { readinessChecks?: Array<Record<string, unknown>> };
  const [check] = a.readinessChecks ?? [];
  t.is(a.readinessChecks?.length, 1);
  t.is(check?.protocol, 'HTTP');
  t.is(check?.path, '/readiness');
  t.is(check?.portName, 'api');
  t.deepEqual(check?.httpStatusCodesForReady, [200]);
  t.is(a.portDefinitions?.[1]?.port, 0, 'the API gets a dynamic host port (PORT1)');
});

test("the open group's sentinel check reads the password from the agent's file, as the task does", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-hc-'));
  const sandbox = path.join(dir, 'sandbox');
  fs.mkdirSync(path.join(sandbox, 'secrets'), { recursive: true });
  fs.writeFileSync(path.join(sandbox, 'secrets', 'redis-zk.env'), 'REDIS_PASSWORD=hunter2\nZK_AUTH=redis-zk:x\n', { mode: 0o600 });
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--requirepass', 'hunter2'],
    { stdio: 'ignore' },
  );
  t.teardown(() => {
    server.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const check = openGroup.apps!.find((a) => a.id === '/redis-zk/sentinel')!.healthChecks![0]!.command!.value!;
  const env = { PORT0: String(port), MESOS_SANDBOX: sandbox };
  const deadline = Date.now() + 10000;
  while (runCheck(check, env) !== 0) {
    if (Date.now() > deadline) throw new Error('redis-server never answered the health check');
    await new Promise((r) => setTimeout(r, 100));
  }
  t.is(runCheck(check, env), 0, 'REDIS_PASSWORD from the file');
  fs.writeFileSync(path.join(sandbox, 'secrets', 'redis-zk.env'), 'REDIS_PASSWORD=wrong\n');
  t.not(runCheck(check, env), 0, 'and only from it');
  // The task's cmd: the file's variables reach the program's environment, not its argv.
  const redisCmd = openGroup.apps!.find((a) => a.id === '/redis-zk/redis')!.cmd!.replace(/exec node .*$/, 'exec env');
  fs.writeFileSync(path.join(sandbox, 'secrets', 'redis-zk.env'), 'REDIS_PASSWORD=hunter2\nZK_AUTH=redis-zk:x\n');
  const out = spawnSync('/bin/sh', ['-c', redisCmd], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  t.regex(out.stdout, /^REDIS_PASSWORD=hunter2$/m);
  t.regex(out.stdout, /^ZK_AUTH=redis-zk:x$/m);
  fs.rmSync(path.join(sandbox, 'secrets', 'redis-zk.env'));
  t.not(spawnSync('/bin/sh', ['-c', redisCmd], { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' }).status, 0, 'no file: the task fails at once');
});
