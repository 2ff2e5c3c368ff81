import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { lockDataDir } from '../packages/redis-wrapper/src/data-lock';
import { PROGRAMS } from './helpers/processes';
import { freePort } from './helpers/ports';
import { waitFor } from './helpers/wait';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-lock-'));

test('the data directory lock: one holder at a time, released when the holding process ends, however it ends', async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  // Another process (a previous task still in its kill grace period) holds it.
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(path.join(__dirname, '..', 'packages', 'redis-wrapper', 'dist', 'data-lock.js'))}).lockDataDir(process.argv[1])` +
        '.then((l) => { console.log(JSON.stringify(l)); setInterval(() => {}, 1000); });',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.teardown(() => holder.kill('SIGKILL'));
  let out = '';
  holder.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  await waitFor('the other process holds the lock', () => out.includes('"held":true'), 10000);
  const refused = await lockDataDir(dir);
  t.false(refused.held);
  t.true(!refused.held && refused.fatal && /another redis-server uses this data directory/.test(refused.reason), refused.reason);
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
  const taken = await lockDataDir(dir);
  t.true(taken.held, 'free once its holder was killed');
});

test('redis-wrapper on a data directory another process holds: exits 1 before touching it, saying why', async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  t.true((await lockDataDir(dir)).held);
  const [port0, port1] = [await freePort(), await freePort()];
  const r = spawnSync(process.execPath, [PROGRAMS['redis-wrapper']], {
    env: {
      PATH: process.env.PATH,
      ZK_HOSTS: '127.0.0.1:1',
      BIND_IP: '127.0.0.1',
      PORT0: String(port0),
      PORT1: String(port1),
      DATA_DIR: dir,
      REDIS_PASSWORD: 'lock-test-pw',
      MASTER_WAIT_TIMEOUT_MS: '2000',
    },
    encoding: 'utf8',
    timeout: 15000,
  });
  const out = `${r.stdout}${r.stderr}`;
  t.is(r.status, 1, out);
  t.regex(out, /data directory in use/);
  t.regex(out, /a previous task on this agent still stopping/);
  t.false(fs.existsSync(path.join(dir, 'redis-zk-member-id')), 'the data directory untouched');
});
