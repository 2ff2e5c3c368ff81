import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { createLogger } from '../../packages/core/src/log';
import { childEnv } from '../../packages/core/src/process/supervisor';
import { errorStack, errorText, safeError } from '../../packages/core/src/safe-error';
import { writeGeneratedConfig } from '../../packages/core/src/server-config/render';

/**
 * Secrets kept out of what the programs show and leave behind (#26 point 7): errors without a
 * command's arguments, children without the secret variables, generated configs 0600 from their
 * first byte. The servers' core limit and environment, live, are in security.test.ts.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const SECRET = 'pw-never-shown-7f3a';

/** What ioredis rejects a failed HELLO/AUTH with: a reply error carrying the command and its arguments. */
class ReplyError extends Error {
  command = { name: 'hello', args: ['3', 'AUTH', 'default', SECRET] };
  constructor() {
    super('WRONGPASS invalid username-password pair or user is disabled.');
    this.name = 'ReplyError';
  }
}
/** Redis's own echo of the first arguments of an unknown command. */
const echoed = () => new Error(`ERR unknown command 'FOO', with args beginning with: '${SECRET}' `);

const tempDir = (t: import('ava').ExecutionContext) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-hygiene-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
};

test('safeError: type, message, stack and plain fields kept; the command, its arguments and any object left out; causes too', (t) => {
  const err = Object.assign(new ReplyError(), { code: 'WRONGPASS', options: { password: SECRET }, args: [SECRET] });
  const wrapped = new Error('could not connect', { cause: err });
  const shown = JSON.stringify(safeError(wrapped));
  t.false(shown.includes(SECRET), shown);
  t.like(safeError(err), { type: 'ReplyError', message: 'WRONGPASS invalid username-password pair or user is disabled.', code: 'WRONGPASS' });
  t.regex(shown, /"cause":\{"type":"ReplyError"/);
  t.false(JSON.stringify(safeError(echoed())).includes(SECRET));
  t.regex(errorText(echoed()), /with args beginning with: \[hidden\]$/);
  t.false(errorStack(echoed()).includes(SECRET));
  t.is(safeError(`ReplyError: ${echoed().message}`), "ReplyError: ERR unknown command 'FOO', with args beginning with: [hidden]");
  const aggregate = new AggregateError([new ReplyError(), echoed()], 'both failed');
  t.false(JSON.stringify(safeError(aggregate)).includes(SECRET));
});

test("the logger: an error under err or error, as an object or as its text, never shows a command's arguments", (t) => {
  const file = path.join(tempDir(t), 'log');
  const fd = fs.openSync(file, 'w');
  const log = createLogger('test', 'info', fd);
  log.warn({ err: new ReplyError() }, 'as an object');
  log.warn({ error: new Error('wrapped', { cause: new ReplyError() }) }, 'as a cause');
  log.warn({ err: String(echoed()) }, 'as its text');
  log.child({ component: 'c' }).error({ err: echoed() }, 'from a child');
  fs.closeSync(fd);
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  t.is(lines.length, 4);
  for (const line of lines) t.false(line.includes(SECRET), line);
  t.like(JSON.parse(lines[0]!), { err: { type: 'ReplyError', message: 'WRONGPASS invalid username-password pair or user is disabled.' } });
});

test('runMain: a fatal error, an uncaught exception and an unhandled rejection are printed without the arguments', (t) => {
  const runMain = path.join(ROOT, 'packages/core/src/process/run-main.ts');
  const body = `class E extends Error { command = { name: 'auth', args: [${JSON.stringify(SECRET)}] } }`;
  for (const [what, code] of [
    ['main rejects', `runMain(async () => { throw new E('WRONGPASS x'); })`],
    ['uncaught exception', `runMain(() => new Promise(() => { setTimeout(() => { throw new E('WRONGPASS x'); }, 10); }))`],
    ['unhandled rejection', `runMain(() => new Promise(() => { void Promise.reject(new E('WRONGPASS x')); }))`],
  ] as const) {
    const r = spawnSync(process.execPath, ['--import=tsx', '-e', `const { runMain } = require(${JSON.stringify(runMain)}); ${body}; ${code};`], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20000,
    });
    t.is(r.status, 1, `${what}: ${r.stderr}`);
    t.regex(r.stderr, /^fatal: Error: WRONGPASS x/m, what);
    t.false(`${r.stdout}${r.stderr}`.includes(SECRET), `${what}: ${r.stderr}`);
  }
});

test("childEnv: the catalogue's secrets and anything named like one left out; the rest kept", (t) => {
  const env = childEnv({
    PATH: '/usr/bin',
    HOME: '/home/x',
    MESOS_SANDBOX: '/mnt/mesos/sandbox',
    REDIS_TLS_KEY_FILE: '/tls/key.pem',
    ZK_HOSTS: 'zk:2181',
    REDIS_PASSWORD: SECRET,
    SENTINEL_PASSWORD: SECRET,
    ZK_AUTH: `u:${SECRET}`,
    REDISCLI_AUTH: SECRET,
    DCOS_SERVICE_ACCOUNT_CREDENTIAL: SECRET,
    SOME_API_TOKEN: SECRET,
    app_secret: SECRET,
  });
  t.deepEqual(Object.keys(env).sort(), ['HOME', 'MESOS_SANDBOX', 'PATH', 'REDIS_TLS_KEY_FILE', 'ZK_HOSTS']);
});

test('a generated config is a new 0600 file from its first byte: a wider file it replaces (and any other link to it) never gets the secret', async (t) => {
  const dir = tempDir(t);
  const target = path.join(dir, 'redis.generated.conf');
  fs.writeFileSync(target, 'old\n', { mode: 0o644 });
  fs.chmodSync(target, 0o644);
  fs.linkSync(target, path.join(dir, 'other-link'));
  const before = process.umask(0o022); // the worst case: the umask would allow 0644
  try {
    await writeGeneratedConfig({ base: 'port 6379', dir, fileName: 'redis.generated.conf', lines: [`requirepass ${SECRET}`] });
  } finally {
    process.umask(before);
  }
  t.is(fs.statSync(target).mode & 0o777, 0o600);
  t.regex(fs.readFileSync(target, 'utf8'), new RegExp(`requirepass ${SECRET}\\n$`));
  t.is(fs.readFileSync(path.join(dir, 'other-link'), 'utf8'), 'old\n', 'the old file was never written to');
  t.deepEqual(fs.readdirSync(dir).sort(), ['other-link', 'redis.generated.conf'], 'no temporary file left');
  // Written again (the next start): still 0600, whole.
  await writeGeneratedConfig({ base: 'port 6380', dir, fileName: 'redis.generated.conf', lines: ['requirepass x'] });
  t.is(fs.statSync(target).mode & 0o777, 0o600);
  t.regex(fs.readFileSync(target, 'utf8'), /^port 6380\n/);
});
