import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { type LockWaiting, lockDataDir, waitForDataDir } from '../packages/redis-wrapper/src/data-lock';
import { TestEnv } from './helpers/env';
import { PROGRAMS } from './helpers/processes';
import { freePort } from './helpers/ports';
import { waitFor } from './helpers/wait';

const tempDir = (t: ExecutionContext) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-lock-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** Another process (a previous task still in its kill grace period) holding `dir`'s lock; resolves once it does. */
async function holdLock(t: ExecutionContext, dir: string): Promise<ChildProcessWithoutNullStreams> {
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(path.join(__dirname, '..', 'packages', 'redis-wrapper', 'dist', 'data-lock.js'))}).lockDataDir(process.argv[1])` +
        '.then((l) => { console.log(JSON.stringify(l)); setInterval(() => {}, 1000); });',
      dir,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  t.teardown(() => holder.kill('SIGKILL'));
  let out = '';
  holder.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  await waitFor('the other process holds the lock', () => out.includes('"held":true'), 10000);
  return holder;
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

test('waiting for the lock: told who holds it, taken once the holder ends; at the deadline a refusal naming the directory', async (t) => {
  const dir = tempDir(t);
  const holder = await holdLock(t, dir);
  const told: LockWaiting[] = [];
  const began = Date.now();
  const gaveUp = await waitForDataDir(dir, { timeoutMs: 1500, pollMs: 100, reportEveryMs: 500, onWaiting: (w) => told.push(w) });
  t.true(Date.now() - began >= 1500, 'not before the deadline');
  t.true(!gaveUp.held && gaveUp.fatal, 'refused at the deadline');
  t.regex(gaveUp.reason, new RegExp(`data directory ${dir} still locked after 1500 ms \\(DATA_LOCK_WAIT_MS\\)`));
  // At the first refusal, then every 500 ms (fewer on a loaded machine: each try spawns flock).
  t.true(told.length >= 1 && told.length <= 3, `told ${told.length} times`);
  t.true(told.every((w, i) => i === 0 || w.waitedMs - told[i - 1]!.waitedMs >= 500));
  t.is(told[0]?.file, path.join(dir, 'redis-zk.lock'));
  t.regex(told[0]?.holder ?? '', new RegExp(`^pid ${holder.pid} since \\d{4}-`));

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

test('redis-wrapper on a data directory another process holds past DATA_LOCK_WAIT_MS: waits, saying what for, then exits 1 naming the directory, untouched', async (t) => {
  const dir = tempDir(t);
  await holdLock(t, dir);
  const [port0, port1] = [await freePort(), await freePort()];
  const started = Date.now();
  // Not spawnSync: the other tests of this file keep their timers meanwhile.
  const child = spawn(process.execPath, [PROGRAMS['redis-wrapper']], {
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
  t.regex(out, /"holder":"pid \d+/);
  t.regex(out, /data directory in use/);
  t.true(out.includes(`data directory ${dir} still locked after 1500 ms (DATA_LOCK_WAIT_MS)`), out);
  t.regex(out, /a previous task on this agent still stopping/);
  t.true(ms >= 1500, `exited after ${ms} ms`);
  t.deepEqual(fs.readdirSync(dir), ['redis-zk.lock'], 'the data directory untouched');
});

test('redis-wrapper waits for a data directory held by a stopping task and starts once the holder is killed', async (t) => {
  const env = await TestEnv.create(t);
  const dataDir = path.join(env.dir, 'shared-data');
  const holder = await holdLock(t, dataDir);
  const task = await env.start('redis-wrapper', { DATA_DIR: dataDir, DATA_LOCK_WAIT_MS: '30000' });
  await task.proc.waitForLog(/waiting for the data directory lock/);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.notRegex(task.proc.log(), /data directory locked|registered in ZooKeeper/, 'nothing started while the lock is held');
  t.deepEqual(fs.readdirSync(dataDir), ['redis-zk.lock'], 'the directory untouched meanwhile');
  await killed(holder);
  await task.proc.waitForLog(/data directory locked/, 5000);
  await task.proc.waitForLog(/registered in ZooKeeper/, 30000);
  const redis = env.redis(task.port);
  t.is(await redis.ping(), 'PONG');
  const role = (await redis.call('ROLE')) as unknown[];
  t.is(role[0], 'master', 'elected on the directory it waited for');
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
