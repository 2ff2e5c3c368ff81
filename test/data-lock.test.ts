import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { type LockWaiting, lockDataDir, waitForDataDir } from '../packages/redis-wrapper/src/data-lock';
import { TestEnv } from './helpers/env';
import { programArgs } from './helpers/processes';
import { freePort } from './helpers/ports';
import { waitFor } from './helpers/wait';

const tempDir = (t: ExecutionContext) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-lock-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/**
 * Another process holding `dir`'s lock with the wrapper's own functions; resolves once it does. On
 * SIGTERM it marks the directory stopping (as redis-wrapper does before its handover), then exits
 * after `lingerMs` (a task in its kill grace period), or never when not given.
 */
async function holdLock(t: ExecutionContext, dir: string, lingerMs?: number): Promise<ChildProcessWithoutNullStreams> {
  const lock = path.join(__dirname, '..', 'packages', 'redis-wrapper', 'dist', 'data-lock.js');
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const dl = require(${JSON.stringify(lock)}); const [dir, linger] = process.argv.slice(1);` +
        // The SIGTERM handler before the line the test waits for: writes to a pipe are synchronous,
        // so on a loaded host the test's SIGTERM could arrive before a handler set after the line
        // (the holder then died of it without marking the directory stopping).
        'dl.lockDataDir(dir).then((l) => { setInterval(() => {}, 1000);' +
        ' process.on("SIGTERM", () => { dl.markDataDirStopping(dir, l.holder); console.log("stopping");' +
        ' if (linger !== "") setTimeout(() => process.exit(0), Number(linger)); }); console.log(JSON.stringify(l)); });',
      dir,
      lingerMs === undefined ? '' : String(lingerMs),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  t.teardown(() => holder.kill('SIGKILL'));
  let out = '';
  holder.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  // Said when a wait on it fails: a holder that died or threw says why there.
  holder.stderr.on('data', (b: Buffer) => {
    out += `[stderr] ${b.toString()}`;
  });
  holder.once('exit', (code, signal) => {
    out += `[exited: ${code ?? signal}]`;
  });
  (holder as unknown as { output: () => string }).output = () => out;
  await waitFor('the other process holds the lock', () => out.includes('"held":true'), 10000);
  return holder;
}

/** The holder's stop begins: SIGTERM, resolved once it marked the directory stopping. */
async function stopping(holder: ChildProcessWithoutNullStreams): Promise<void> {
  holder.kill('SIGTERM');
  const out = (holder as unknown as { output: () => string }).output;
  // Its output is part of the error: it once died of the SIGTERM, sent before its handler was set.
  await waitFor('the holder marked the directory stopping', () => out().includes('stopping'), 30000).catch((err: unknown) => {
    throw new Error(`${String(err)}; the holder printed: ${out()}`);
  });
}

const killed = (p: ChildProcessWithoutNullStreams) =>
  new Promise<void>((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });

test('the data directory lock: one holder at a time, released when the holding process ends, however it ends', async (t) => {
  const dir = tempDir(t);
  const holder = await holdLock(t, dir);
  const refused = await lockDataDir(dir);
  t.false(refused.held);
  t.true(!refused.held && refused.fatal && refused.busy === true && /another redis-server uses this data directory/.test(refused.reason), refused.reason);
  await killed(holder);
  const taken = await lockDataDir(dir);
  t.true(taken.held, 'free once its holder was killed');
});

test('waiting for the lock: a holder that is running and not stopping is refused at once, naming the directory and the holder', async (t) => {
  const dir = tempDir(t);
  const holder = await holdLock(t, dir);
  const told: LockWaiting[] = [];
  const began = Date.now();
  const refused = await waitForDataDir(dir, { timeoutMs: 20000, pollMs: 100, onWaiting: (w) => told.push(w) });
  t.true(Date.now() - began < 5000, `refused after ${Date.now() - began} ms`);
  t.true(!refused.held && refused.fatal && refused.busy === true, refused.reason);
  t.true(refused.reason.startsWith(`data directory ${dir} is held by a running process that is not stopping (pid ${holder.pid} since `), refused.reason);
  t.regex(refused.reason, /running \(not stopping\)\): another task of this app on this agent/);
  t.deepEqual(told, [], 'not waited for');
});

test('waiting for the lock of a stopping holder: told who holds it, taken once the holder ends; at the deadline a refusal naming the directory', async (t) => {
  const dir = tempDir(t);
  const holder = await holdLock(t, dir);
  await stopping(holder);
  const told: LockWaiting[] = [];
  const began = Date.now();
  const gaveUp = await waitForDataDir(dir, { timeoutMs: 1500, pollMs: 100, reportEveryMs: 500, onWaiting: (w) => told.push(w) });
  t.true(Date.now() - began >= 1500, 'not before the deadline');
  t.true(!gaveUp.held && gaveUp.fatal, 'refused at the deadline');
  t.regex(
    gaveUp.reason,
    new RegExp(`data directory ${dir} still locked after 1500 ms \\(DATA_LOCK_WAIT_MS; holder pid ${holder.pid} since \\S+, stopping since `),
  );
  // At the first refusal, then every 500 ms (fewer on a loaded machine: each try spawns flock).
  t.true(told.length >= 1 && told.length <= 3, `told ${told.length} times`);
  t.true(told.every((w, i) => i === 0 || w.waitedMs - told[i - 1]!.waitedMs >= 500));
  t.is(told[0]?.file, path.join(dir, 'redis-zk.lock'));
  t.regex(told[0]?.holder ?? '', new RegExp(`^pid ${holder.pid} since \\d{4}-\\S+, stopping since \\d{4}-`));

  const atOnce = await waitForDataDir(dir, { timeoutMs: 0 });
  t.true(!atOnce.held && atOnce.fatal && /another redis-server uses this data directory/.test(atOnce.reason), 'DATA_LOCK_WAIT_MS=0: at once');

  const waiting = waitForDataDir(dir, { timeoutMs: 20000, pollMs: 100 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const killedAt = Date.now();
  await killed(holder);
  const taken = await waiting;
  t.true(taken.held, 'taken once the holder ended');
  t.log(`taken ${Date.now() - killedAt} ms after the holder was killed`);
});

test('redis-wrapper on a data directory a stopping process holds past DATA_LOCK_WAIT_MS: waits, saying what for, then exits 1 naming the directory, untouched', async (t) => {
  const dir = tempDir(t);
  await stopping(await holdLock(t, dir));
  const [port0, port1] = [await freePort(), await freePort()];
  const started = Date.now();
  // Not spawnSync: the other tests of this file keep their timers meanwhile.
  const child = spawn(process.execPath, programArgs('redis-wrapper'), {
    env: {
      PATH: process.env.PATH,
      ZK_HOSTS: '127.0.0.1:1',
      BIND_IP: '127.0.0.1',
      PORT0: String(port0),
      PORT1: String(port1),
      DATA_DIR: dir,
      REDIS_PASSWORD: 'lock-test-pw',
      ZK_AUTH: 'lock-test:zk-pw',
      MASTER_WAIT_TIMEOUT_MS: '2000',
      DATA_LOCK_WAIT_MS: '1500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  const chunks: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => chunks.push(b));
  child.stderr.on('data', (b: Buffer) => chunks.push(b));
  const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const r = { status, out: Buffer.concat(chunks).toString() };
  const out = r.out;
  const ms = Date.now() - started;
  t.is(r.status, 1, out);
  t.regex(out, /waiting for the data directory lock/);
  t.regex(out, /"holder":"pid \d+ since \S+, stopping since /);
  t.regex(out, /data directory in use/);
  t.true(out.includes(`data directory ${dir} still locked after 1500 ms (DATA_LOCK_WAIT_MS; holder pid `), out);
  t.regex(out, /a previous task on this agent still stopping/);
  t.true(ms >= 1500, `exited after ${ms} ms`);
  t.deepEqual(fs.readdirSync(dir).sort(), ['redis-zk.lock', 'redis-zk.lock.holder'], "the data directory untouched (the holder's two files)");
});

test('redis-wrapper beside a running redis-wrapper on its data directory exits 1 at once naming the directory and the holder; once that one is stopped, another starts there', async (t) => {
  const env = await TestEnv.create(t);
  const dataDir = path.join(env.dir, 'shared-data');
  const first = await env.start('redis-wrapper', { DATA_DIR: dataDir });
  await first.proc.waitForLog(/registered in ZooKeeper/, 30000);
  const besideAt = Date.now();
  const beside = await env.start('redis-wrapper', { DATA_DIR: dataDir, DATA_LOCK_WAIT_MS: '30000' });
  const exit = await beside.proc.exited;
  const ms = Date.now() - besideAt;
  t.is(exit.code, 1, beside.proc.log());
  t.true(ms < 10000, `exited after ${ms} ms, not DATA_LOCK_WAIT_MS`);
  const out = beside.proc.log();
  t.regex(out, /data directory in use/);
  t.true(out.includes(`data directory ${dataDir} is held by a running process that is not stopping (pid `), out);
  t.regex(out, /running \(not stopping\)/);
  t.notRegex(out, /waiting for the data directory lock|registered in ZooKeeper/);

  // The first one's stop marks the directory before its handover; the next one waits for it or finds it free.
  first.proc.kill('SIGTERM');
  const next = await env.start('redis-wrapper', { DATA_DIR: dataDir, DATA_LOCK_WAIT_MS: '30000' });
  await first.proc.exited;
  const firstLog = first.proc.log();
  t.regex(firstLog, /data directory marked stopping/);
  t.true(firstLog.indexOf('data directory marked stopping') < firstLog.search(/switchover|redis-server exited/), 'marked before the handover');
  t.regex(fs.readFileSync(path.join(dataDir, 'redis-zk.lock.holder'), 'utf8'), /^\d+ \S+ stopping \S+\n$/);
  await next.proc.waitForLog(/registered in ZooKeeper/, 30000);
  t.notRegex(next.proc.log(), /data directory in use/);
  t.is(await env.redis(next.port).ping(), 'PONG');
});

test('redis-wrapper waits for a data directory held by a stopping task and starts once the holder exits', async (t) => {
  const env = await TestEnv.create(t);
  const dataDir = path.join(env.dir, 'shared-data');
  const holder = await holdLock(t, dataDir, 4000);
  const holderExit = new Promise<number>((resolve) => holder.once('exit', () => resolve(Date.now())));
  await stopping(holder);
  const task = await env.start('redis-wrapper', { DATA_DIR: dataDir, DATA_LOCK_WAIT_MS: '30000' });
  await task.proc.waitForLog(/waiting for the data directory lock/);
  task.proc.expectLogged(t, /"holder":"pid \d+ since \S+, stopping since /);
  t.notRegex(task.proc.log(), /data directory locked|registered in ZooKeeper/, 'nothing started while the lock is held');
  t.deepEqual(fs.readdirSync(dataDir).sort(), ['redis-zk.lock', 'redis-zk.lock.holder'], 'the directory untouched meanwhile');
  const exitedAt = await holderExit;
  await task.proc.waitForLog(/data directory locked/, 5000);
  await task.proc.waitForLog(/registered in ZooKeeper/, 30000);
  t.log(`holder exited; lock taken, redis started as master ${Date.now() - exitedAt} ms later`);
  const redis = env.redis(task.port);
  t.is(await redis.ping(), 'PONG');
  const role = (await redis.call('ROLE')) as unknown[];
  t.is(role[0], 'master', 'elected on the directory it waited for');
  t.is(task.proc.exitStatus, undefined);
});

test("the flock child gets none of the wrapper's secrets in its environment", (t) => {
  const dir = tempDir(t);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  // A stand-in flock(1) that records its environment and says the lock is held.
  fs.writeFileSync(path.join(bin, 'flock'), `#!/bin/sh\nenv > ${JSON.stringify(path.join(dir, 'env'))}\nexit 0\n`, { mode: 0o755 });
  const lock = path.join(__dirname, '..', 'packages', 'redis-wrapper', 'dist', 'data-lock.js');
  const r = spawnSync(
    process.execPath,
    ['-e', `require(${JSON.stringify(lock)}).lockDataDir(process.argv[1]).then((l) => console.log(JSON.stringify(l)))`, path.join(dir, 'data')],
    {
      env: { PATH: `${bin}:${process.env.PATH}`, REDIS_PASSWORD: 'lock-secret-1', SENTINEL_PASSWORD: 'lock-secret-2', ZK_AUTH: 'u:lock-secret-3', KEPT: 'yes' },
      encoding: 'utf8',
    },
  );
  t.regex(r.stdout, /"held":true/, r.stderr);
  const env = fs.readFileSync(path.join(dir, 'env'), 'utf8');
  t.regex(env, /^KEPT=yes$/m, 'the rest of the environment is passed on');
  t.notRegex(env, /lock-secret/, env);
});
