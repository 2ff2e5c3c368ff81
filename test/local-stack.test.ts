import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FAST_SENTINEL } from '../packages/local-stack/src/harness';
import test from 'ava';
import pino from 'pino';
import { Directory } from '../packages/core/src/zk/directory';
import { ZkClient } from '../packages/core/src/zk/client';
import { LocalStack } from '../packages/local-stack/src/stack';
import type { LocalTask } from '../packages/local-stack/src/launcher';
import { ROOT } from './helpers/processes';
import { info } from './helpers/redis-info';
import { sentinelMaster } from './helpers/sentinel';
import { waitFor } from './helpers/wait';
import { TEST_PASSWORD } from './helpers/secrets';
import './helpers/exit-guard'; // fails this file if its worker outlives its tests

// The password the helpers use (ask()); ZK_AUTH stays the stack's own generated secret.
const FAST = { ...FAST_SENTINEL, ZK_SESSION_TIMEOUT_MS: '4000', REDIS_PASSWORD: TEST_PASSWORD };
let stack: LocalStack;
let dir: Directory;
let zk: ZkClient;

test.before(async () => {
  stack = await LocalStack.start({ env: FAST, backoffScale: 0.5 });
  zk = new ZkClient({ connectString: stack.zk.connectString, sessionTimeoutMs: 4000, log: pino({ level: 'silent' }) });
  await zk.waitConnected(20000);
  dir = new Directory(zk, '/redis', pino({ level: 'silent' }));
});
test.after.always(async () => {
  zk?.close();
  await stack?.stop();
});

const watcherUrl = () => `http://127.0.0.1:${stack.tasksRunning('watcher')[0]!.ports[0]}`;

test.serial('the launcher brings the whole stack up from the Marathon definitions', async (t) => {
  t.is(stack.tasksRunning('redis-wrapper').length, stack.appRunning('redis-wrapper').instances);
  t.is(stack.tasksRunning('sentinel-wrapper').length, stack.appRunning('sentinel-wrapper').instances);
  t.is(stack.tasksRunning('watcher').length, stack.appRunning('watcher').instances);
  const master = (await waitFor('a master', () => dir.readMaster('mymaster'), 30000)).raw;
  t.true(stack.tasksRunning('redis-wrapper').some((task) => `127.0.0.1:${task.ports[0]}` === master));
  await waitFor('every sentinel registered', async () => (await dir.listSentinels()).length === stack.appRunning('sentinel-wrapper').instances, 30000);
  for (const w of stack.tasksRunning('watcher')) {
    await waitFor('watcher healthy', async () => (await fetch(`http://127.0.0.1:${w.ports[0]}/health`).catch(() => null))?.status === 200, 30000);
  }
  const task = stack.tasksRunning('redis-wrapper')[0]!;
  const env = fs.readFileSync(`/proc/${task.proc.pid}/environ`, 'utf8').split('\0');
  t.true(
    env.includes(`PORT0=${task.ports[0]}`) && env.includes('HOST=127.0.0.1') && env.includes('MASTER_NAME=mymaster'),
    "env from the definition plus Marathon's",
  );
  const zkAuth = env.find((e) => e.startsWith('ZK_AUTH='));
  t.regex(zkAuth ?? '', /^ZK_AUTH=redis-zk:[\w-]{20,}$/, 'ZK_AUTH from the local stand-in for the secret store');
  const file = stack.secrets.file('redis-zk/zk-auth');
  t.is(fs.readFileSync(file, 'utf8'), zkAuth!.slice('ZK_AUTH='.length));
  t.is(fs.statSync(file).mode & 0o777, 0o600);
  const acl = await zk.getAcl('/redis/masters');
  t.deepEqual(acl?.map((a) => a.id.scheme).sort(), ['digest', 'world'], "the deployment's nodes carry its ACL");
});

test.serial('the documented client examples (ioredis, redis-py) work against the local stack', async (t) => {
  const env = { ...process.env, WATCHER_URL: watcherUrl(), REDIS_PASSWORD: TEST_PASSWORD };
  const node = spawnSync(process.execPath, ['examples/ioredis-client.js'], { cwd: ROOT, env, encoding: 'utf8', timeout: 20000 });
  t.is(node.status, 0, node.stderr);
  t.is(node.stdout.trim(), 'hello from ioredis');
  const py = spawnSync('/usr/bin/python3', ['examples/redis_py_client.py'], { cwd: ROOT, env, encoding: 'utf8', timeout: 20000 });
  t.is(py.status, 0, py.stderr);
  t.is(py.stdout.trim(), 'hello from redis-py');
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'clients.md'), 'utf8');
  for (const f of ['examples/ioredis-client.js', 'examples/redis_py_client.py']) {
    t.true(doc.includes(fs.readFileSync(path.join(ROOT, f), 'utf8').trim()), `docs/clients.md shows ${f} as it is`);
  }
});

test.serial('a killed master task comes back on a new port and rejoins as a replica', async (t) => {
  const master = (await dir.readMaster('mymaster'))!.raw;
  const victim = stack.tasksRunning('redis-wrapper').find((task) => `127.0.0.1:${task.ports[0]}` === master)!;
  await waitFor(
    'sentinels know both replicas',
    async () => Number((await sentinelMaster(stack.tasksRunning('sentinel-wrapper')[0]!.ports[0]!, 'mymaster'))?.get('num-slaves')) === 2,
    30000,
  );
  const replacement = new Promise<LocalTask>((resolve) => stack.launcher.once('started', resolve));
  victim.proc.killGroup('SIGKILL');
  const promoted = await waitFor(
    'ZooKeeper to name another master',
    async () => {
      const m = (await dir.readMaster('mymaster'))?.raw;
      return m && m !== master ? m : undefined;
    },
    30000,
  );
  const fresh = await replacement;
  t.not(fresh.ports[0], victim.ports[0]);
  t.is(fresh.app.id, victim.app.id);
  await waitFor(
    'the replacement to replicate the new master',
    async () => {
      const i = await info(fresh.ports[0]!);
      return i?.get('role') === 'slave' && i.get('master_port') === promoted.split(':')[1] && i.get('master_link_status') === 'up';
    },
    30000,
  );
  t.is(stack.tasksRunning('redis-wrapper').length, 3);
  await waitFor('3 live registrations', async () => (await dir.listNodes('mymaster')).length === 3, 30000);
});

test('the demo command starts, prints the endpoints, and stops cleanly on Ctrl-C', async (t) => {
  const child = spawn(process.execPath, ['packages/local-stack/dist/main.js', '--env', 'SENTINEL_DOWN_AFTER_MS=2000'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  await waitFor('the demo to be ready', () => /master\s+mymaster at 127\.0\.0\.1:\d+/.test(output), 60000, 200);
  t.regex(output, /ZooKeeper\s+127\.0\.0\.1:\d+/);
  t.regex(output, /watcher\s+http:\/\/127\.0\.0\.1:\d+/);
  t.regex(output, /sentinels\s+127\.0\.0\.1:\d+/);
  t.regex(output, /new Redis\(\{sentinels:s,name:'mymaster',password:p,sentinelPassword:p\}\)/);
  const files = /files\s+(\S+)/.exec(output)![1]!;
  // The password is generated, kept in a private file, and only the way to read it is printed.
  const passwordFile = /export REDIS_PASSWORD="\$\(cat (\S+)\)"/.exec(output)?.[1];
  t.truthy(passwordFile, output);
  t.is(fs.statSync(passwordFile!).mode & 0o777, 0o600);
  const password = fs.readFileSync(passwordFile!, 'utf8');
  t.true(password.length >= 20);
  t.false(output.includes(password), 'the password itself is not printed');
  const masterPort = /master\s+mymaster at 127\.0\.0\.1:(\d+)/.exec(output)![1]!;
  const cli = (auth?: string) =>
    spawnSync('redis-cli', ['-p', masterPort, 'ping'], {
      env: { PATH: process.env.PATH, ...(auth ? { REDISCLI_AUTH: auth } : {}) },
      encoding: 'utf8',
    }).stdout.trim();
  t.is(cli(password), 'PONG', 'the printed way in works');
  t.regex(cli(), /NOAUTH/, 'and nothing else does');
  child.kill('SIGINT');
  t.is(await exited, 0, output);
  t.false(fs.existsSync(files), 'its temp files are removed');
  const left = spawnSync('pgrep', ['-f', files], { encoding: 'utf8' }).stdout.trim();
  t.is(left, '', 'no process of the demo is left');
});
