import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import pino from 'pino';
import { Supervised } from '../packages/core/src/process/supervisor';
import { waitFor } from './helpers/wait';
import './helpers/exit-guard'; // fails this file if its worker outlives its tests

/**
 * A child that records the signals it gets, exits 0 once it has seen `expected` (in that order)
 * and 3 on anything else; like redis-server writing its first AOF, it refuses the signals before.
 */
async function startChild(t: import('ava').ExecutionContext, expected: NodeJS.Signals[]): Promise<Supervised> {
  const ready = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-sup-')), 'ready');
  const script = `
const expected = ${JSON.stringify(expected)};
const got = [];
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => {
  got.push(s);
  if (got[got.length - 1] !== expected[got.length - 1]) process.exit(3);
  if (got.length === expected.length) process.exit(0);
});
require('fs').writeFileSync(${JSON.stringify(ready)}, '');
setInterval(() => {}, 1000);
`;
  const server = new Supervised(process.execPath, ['-e', script], pino({ level: 'silent' }));
  t.teardown(() => {
    server.signal('SIGKILL');
    fs.rmSync(path.dirname(ready), { recursive: true, force: true });
  });
  await waitFor('the child to install its handlers', () => fs.existsSync(ready), 20000, 20);
  return server;
}

const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms))]);

test('terminate asks again until a server that refused the first SIGTERM exits', async (t) => {
  const server = await startChild(t, ['SIGTERM', 'SIGTERM', 'SIGTERM']);
  server.terminate('SIGTERM', 50);
  t.deepEqual(await within(server.exited, 20000), { code: 0, signal: null });
});

test('terminate forwards the signal it was given first (SIGINT), then repeats only SIGTERM', async (t) => {
  const server = await startChild(t, ['SIGINT', 'SIGTERM', 'SIGTERM']);
  server.terminate('SIGINT', 50);
  t.deepEqual(await within(server.exited, 20000), { code: 0, signal: null });
});

test('a server is started with core dumps off (soft and hard limit 0) and without the secret variables, under its own pid', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-sup-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'seen.json');
  const script = `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ pid: process.pid, limits: require('fs').readFileSync('/proc/self/limits', 'utf8'), env: Object.keys(process.env) }));`;
  const saved = { REDIS_PASSWORD: process.env.REDIS_PASSWORD, ZK_AUTH: process.env.ZK_AUTH };
  Object.assign(process.env, { REDIS_PASSWORD: 'sup-secret', ZK_AUTH: 'u:sup-secret' });
  let server: Supervised;
  try {
    server = new Supervised(process.execPath, ['-e', script, 'an argument with spaces'], pino({ level: 'silent' }));
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  t.deepEqual(await server.exited, { code: 0, signal: null });
  const seen = JSON.parse(fs.readFileSync(out, 'utf8')) as { pid: number; limits: string; env: string[] };
  t.regex(seen.limits, /^Max core file size\s+0\s+0\s+bytes/m, seen.limits);
  t.is(seen.pid, server.pid ?? -1, 'the shell execs the server: the pid the wrapper signals is the server itself');
  t.false(seen.env.includes('REDIS_PASSWORD') || seen.env.includes('ZK_AUTH'), seen.env.join(' '));
  t.true(seen.env.includes('PATH'));
});

test('a server that cannot be started exits 127, as a missing executable did', async (t) => {
  const server = new Supervised('/nonexistent/redis-server', ['x.conf'], pino({ level: 'silent' }));
  t.is((await server.exited).code, 127);
});
