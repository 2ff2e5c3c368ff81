import { spawn } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { PAUSE_SLICE_MS } from '../packages/core/src/switchover/write-pause';
import { TestEnv } from './helpers/env';
import { ROOT } from './helpers/processes';
import { TEST_PASSWORD } from './helpers/secrets';
import { sleep, waitFor } from './helpers/wait';

// The switchover's write pause (core/src/switchover/write-pause.ts) held by a process that dies:
// a real redis-server, the pause taken by a separate Node process running the built core, which
// is then killed (kill -9) while it holds the pause.

const HOLDER = `
const { WritePause } = require(${JSON.stringify(path.join(ROOT, 'packages/core/dist/switchover/write-pause.js'))});
const { useClientSecurity } = require(${JSON.stringify(path.join(ROOT, 'packages/core/dist/security/clients.js'))});
useClientSecurity({ redisPassword: process.env.PASSWORD, sentinelPassword: process.env.PASSWORD, tls: undefined });
const log = { info() {}, warn() {}, debug() {}, error() {} };
const pause = new WritePause({ host: '127.0.0.1', port: Number(process.env.PORT) }, Date.now() + 60000, log);
pause.start().then(() => console.log('paused'), (err) => { console.error(String(err)); process.exit(1); });
`;

test('a write pause whose holder is killed ends within a slice; while the holder lives it is renewed', async (t) => {
  const env = await TestEnv.create(t);
  const node = await env.start('redis-wrapper');
  await env.waitForRole(node.port, 'master');
  const redis = env.redis(node.port);
  await redis.config('SET', 'min-replicas-to-write', '0'); // a set of one: writes need no replica here
  const writes = async (): Promise<boolean> => Promise.race([redis.set('k', String(Date.now())).then(() => true), sleep(300).then(() => false)]);
  t.true(await writes(), 'writes flow before');

  const holder = spawn(process.execPath, ['-e', HOLDER], {
    env: { PATH: process.env.PATH, PASSWORD: TEST_PASSWORD, PORT: String(node.port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => holder.kill('SIGKILL'));
  // Its first line, or its end: a holder that fails (a module it cannot load) must not hang the test.
  const firstLine = await new Promise<string>((resolve) => {
    holder.stdout.once('data', (b: Buffer) => resolve(b.toString()));
    holder.once('exit', (code) => resolve(`holder exited (${code})`));
  });
  t.regex(firstLine, /paused/, 'the holder paused writes');

  // Past one slice, still paused: the holder renews it.
  await sleep(PAUSE_SLICE_MS + 500);
  t.false(await writes(), 'still paused after a slice while the holder lives');

  const killedAt = Date.now();
  holder.kill('SIGKILL');
  const flowedAfterMs = await waitFor('writes to flow again', async () => ((await writes()) ? Date.now() - killedAt : undefined), 10_000, 20);
  t.log(`writes flowed ${flowedAfterMs} ms after the holder's death`);
  t.true(flowedAfterMs <= PAUSE_SLICE_MS + 500, `within a slice (${flowedAfterMs} ms)`);
});
