import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { PROGRAMS, programArgs, ROOT } from './helpers/processes';
import { freePort } from './helpers/ports';
import { waitFor } from './helpers/wait';
import './helpers/exit-guard'; // fails this file if its worker outlives its tests

// What the image ships per program (Dockerfile): the entry, the bundle and its code cache, and
// the HTTP thread's bundle of the watcher and redis-wrapper.
const SHIPPED = ['main.js', 'program.js', 'program.cache'];
const THREADS: Partial<Record<keyof typeof PROGRAMS, string>> = { watcher: 'api-thread.js', 'redis-wrapper': 'node-api-thread.js' };
const programs = Object.keys(PROGRAMS) as Array<keyof typeof PROGRAMS>;

/** The shipped files of every program and conf/, alone in a temp dir, as in the image's /app. */
function imageLikeCopy(): string {
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-app-'));
  for (const program of programs) {
    const dist = path.join(app, 'packages', program, 'dist');
    fs.mkdirSync(dist, { recursive: true });
    for (const f of [...SHIPPED, ...(THREADS[program] ? [THREADS[program]] : [])])
      fs.copyFileSync(path.join(path.dirname(PROGRAMS[program]), f), path.join(dist, f));
  }
  fs.cpSync(path.join(ROOT, 'conf'), path.join(app, 'conf'), { recursive: true });
  return app;
}

function run(app: string, program: keyof typeof PROGRAMS, env: Record<string, string>) {
  const r = spawnSync(process.execPath, [...programArgs(program).slice(0, -1), path.join('packages', program, 'dist', 'main.js')], {
    cwd: app,
    env: { PATH: process.env.PATH, BIND_IP: '127.0.0.1', REDIS_PASSWORD: 'bundle-test', ZK_AUTH: 'bundle-test:zk', ...env },
    encoding: 'utf8',
    timeout: 20000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('each program runs from its shipped files (three, and its HTTP thread) and conf/ alone (no node_modules)', async (t) => {
  const app = imageLikeCopy();
  t.teardown(() => fs.rmSync(app, { recursive: true, force: true }));
  for (const program of programs) {
    // Loading the bundle runs every module's initialisation; the config check comes next.
    const r = run(app, program, { ZK_HOSTS: 'nohost' });
    t.is(r.code, 1, `${program}: ${r.out}`);
    t.regex(r.out, /^error: invalid environment variable ZK_HOSTS="nohost"/m, program);
  }
  // Past the config check: the base config is found in the copy's conf/ (not this checkout's),
  // then ZooKeeper does not answer and the wait times out.
  const r = run(app, 'redis-wrapper', {
    ZK_HOSTS: '127.0.0.1:1',
    MASTER_WAIT_TIMEOUT_MS: '1000',
    DATA_DIR: path.join(app, 'data'),
    PORT1: String(await freePort()),
  });
  t.is(r.code, 1, r.out);
  t.notRegex(r.out, /REDIS_CONF/);
  t.regex(r.out, /ZooKeeper/i);
});

/** Whether V8, run with `program`'s flags (the code cache depends on them), rejects its code cache. */
const ACCEPTS = `
const fs = require('node:fs'), path = require('node:path'), vm = require('node:vm');
const dist = process.argv[1];
const file = path.join(dist, 'program.js');
const script = new vm.Script(fs.readFileSync(file, 'utf8'), {
  filename: file,
  cachedData: fs.readFileSync(path.join(dist, 'program.cache')).subarray(32), // after the bundle's sha256 (scripts/program-loader.cjs)
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
process.stdout.write(String(script.cachedDataRejected));
`;

test('the code cache was made by this Node, with the flags the program runs with, for these bytes: V8 accepts it', (t) => {
  for (const program of programs) {
    const flags = programArgs(program).slice(0, -1);
    const r = spawnSync(process.execPath, [...flags, '-e', ACCEPTS, path.dirname(PROGRAMS[program])], { encoding: 'utf8' });
    t.is(r.stdout, 'false', `${program} (${flags.join(' ')}): ${r.stderr}`);
  }
});

test("a code cache that does not fit the bundle (another program's, or garbage) is ignored: the program still runs", (t) => {
  const app = imageLikeCopy();
  t.teardown(() => fs.rmSync(app, { recursive: true, force: true }));
  const cacheOf = (program: string) => path.join(app, 'packages', program, 'dist', 'program.cache');
  fs.copyFileSync(cacheOf('sentinel-wrapper'), cacheOf('redis-wrapper'));
  fs.writeFileSync(cacheOf('watcher'), Buffer.alloc(4096, 7));
  fs.rmSync(cacheOf('sentinel-wrapper'));
  for (const program of programs) {
    const r = run(app, program, { ZK_HOSTS: 'nohost' });
    t.is(r.code, 1, `${program}: ${r.out}`);
    t.regex(r.out, /^error: invalid environment variable ZK_HOSTS="nohost"/m, program);
  }
});

test('the shipped watcher starts its HTTP API thread from its shipped files', async (t) => {
  const app = imageLikeCopy();
  const port = await freePort();
  // No ZooKeeper at all: the watcher keeps running and says so on /health (served by the thread).
  const child = spawn(process.execPath, [path.join('packages', 'watcher', 'dist', 'main.js')], {
    cwd: app,
    env: {
      PATH: process.env.PATH,
      ZK_HOSTS: '127.0.0.1:1',
      HTTP_HOST: '127.0.0.1',
      PORT0: String(port),
      LOG_LEVEL: 'warn',
      REDIS_PASSWORD: 'bundle-test',
      ZK_AUTH: 'bundle-test:zk',
    },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.teardown(() => {
    child.kill('SIGKILL');
    fs.rmSync(app, { recursive: true, force: true });
  });
  const res = await waitFor("the watcher's /health", () => fetch(`http://127.0.0.1:${port}/health`), 20000, 100);
  t.is(res.status, 503);
  const health = JSON.stringify(await res.json());
  t.regex(health, /not connected to ZooKeeper/);
  t.false(health.includes('127.0.0.1:1'), 'no configuration detail (ZK_HOSTS) in /health');
  // Never read from ZooKeeper: no list yet, a 503 (never an empty list); alive all the same.
  const sentinels = await fetch(`http://127.0.0.1:${port}/sentinels`);
  t.is(sentinels.status, 503);
  t.regex(JSON.stringify(await sentinels.json()), /not loaded from ZooKeeper yet/);
  t.is((await fetch(`http://127.0.0.1:${port}/liveness`)).status, 200);
  t.is((await fetch(`http://127.0.0.1:${port}/readiness`)).status, 503);
  child.kill('SIGTERM');
  t.is(await exited, 0);
});
