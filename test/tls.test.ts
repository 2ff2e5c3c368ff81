import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { portOf } from '../packages/local-stack/src/harness';
import test from 'ava';
import Redis from 'ioredis';
import { makeCerts, type TestCerts, tlsEnv } from './helpers/certs';
import { useTestTls } from './helpers/client-auth';
import { TestEnv } from './helpers/env';
import { ROOT } from './helpers/processes';
import { TEST_PASSWORD } from './helpers/secrets';
import { info } from './helpers/redis-info';
import { ask } from './helpers/sentinel';
import { waitFor } from './helpers/wait';

/**
 * REDIS_TLS_ENABLED=yes, with certificates made here by openssl: PORT0 speaks TLS only for redis
 * and Sentinel, replication and Sentinel's links use it, and so do the wrappers' and the
 * watcher's probes (the deployment would not come up, nor fail over, otherwise). Every helper's
 * client in this file speaks TLS too.
 */

let certs: TestCerts;
const read = (file: string) => fs.readFileSync(file);
test.before(() => {
  certs = makeCerts(fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-certs-')));
  useTestTls({ ca: read(certs.caFile), cert: read(certs.certFile), key: read(certs.keyFile), checkServerIdentity: () => undefined });
});
test.after.always(() => {
  if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
});

/** PING with one client, whatever happens: the reply, or what went wrong. */
async function ping(port: number, o: { password?: string; tls?: ConnectionOptions }): Promise<string> {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    ...o,
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    enableReadyCheck: false,
  });
  let reported = '';
  r.on('error', (err: Error) => {
    reported = err.message;
  }); // ioredis 6 says NOAUTH here (its HELLO), then closes
  try {
    await r.connect();
    return String(await r.ping());
  } catch (err) {
    return `refused: ${String(err)} ${reported}`;
  } finally {
    r.disconnect();
  }
}

/** The sentinel app's COMMAND health check from the shipped Marathon group, run as Mesos does (sh -c). */
function healthCheck(app: 'sentinel', env: Record<string, string>): number | null {
  const group = JSON.parse(fs.readFileSync(path.join(ROOT, 'marathon', 'redis-zk.json'), 'utf8')) as {
    apps: Array<{ id: string; healthChecks: Array<{ command: { value: string } }> }>;
  };
  const command = group.apps.find((a) => a.id === `/redis-zk/${app}`)!.healthChecks[0]!.command.value;
  return spawnSync('/bin/sh', ['-c', command], { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore', timeout: 5000 }).status;
}

// Then the redis-py and ioredis clients over TLS.
test('TLS end to end: TLS-only ports, kill -9 failover over TLS; plaintext and certificate-less clients refused', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ env: tlsEnv(certs) });
  const masterPort = portOf(d.master);
  const sentinelPort = d.sentinels[0]!.port;
  const withCert = {
    password: TEST_PASSWORD,
    tls: { ca: read(certs.caFile), cert: read(certs.clientCertFile), key: read(certs.clientKeyFile), checkServerIdentity: () => undefined },
  };

  t.deepEqual(await ask(masterPort, 'CONFIG', 'GET', 'port'), ['port', '0'], 'no plain port');
  t.deepEqual(await ask(masterPort, 'CONFIG', 'GET', 'tls-replication'), ['tls-replication', 'yes']);
  for (const port of [masterPort, sentinelPort]) {
    t.is(await ping(port, withCert), 'PONG', 'a client with a certificate of the CA is let in');
    t.regex(await ping(port, { password: TEST_PASSWORD }), /^refused/, 'plaintext is refused');
    t.regex(
      await ping(port, { password: TEST_PASSWORD, tls: { ca: read(certs.caFile), checkServerIdentity: () => undefined } }),
      /^refused/,
      'TLS without a client certificate is refused (REDIS_TLS_AUTH_CLIENTS=yes)',
    );
  }
  const checkEnv = { REDIS_PASSWORD: TEST_PASSWORD, ...tlsEnv(certs) };
  // redis's check is the node API's /health (MESOS_HTTP, plain HTTP on PORT1): the wrapper reaches its TLS-only server.
  const master = d.redis.find((r) => r.address === d.master)!;
  t.is((await fetch(`http://127.0.0.1:${master.apiPort}/health`)).status, 200, 'the shipped redis health check passes over TLS');
  t.is(healthCheck('sentinel', { ...checkEnv, PORT0: String(sentinelPort) }), 0, 'the shipped sentinel health check speaks TLS');
  t.not(healthCheck('sentinel', { REDIS_PASSWORD: TEST_PASSWORD, PORT0: String(sentinelPort) }), 0, 'without the TLS variables it fails');

  // kill -9 the master's task: Sentinel (over TLS) promotes a replica, the watcher (over TLS) writes it.
  d.redis.find((r) => r.address === d.master)!.proc.killGroup('SIGKILL');
  const promoted = await waitFor(
    'ZooKeeper to name the promoted replica',
    async () => {
      const m = (await d.dir.readMaster(d.name).catch(() => null))?.raw;
      return m && m !== d.master ? m : undefined;
    },
    30000,
  );
  await env.waitForRole(portOf(promoted), 'master');
  await waitFor(
    'the other replica to replicate the new master over TLS',
    async () => {
      const i = await info(portOf(promoted));
      return i?.get('connected_slaves') === '1' && !!i.get('slave0')?.includes('state=online');
    },
    30000,
  );
  const watcherUrl = `http://127.0.0.1:${d.watchers[0]!.port}`;
  await waitFor(
    'the watcher to serve the new master',
    async () => {
      const body = (await (await fetch(`${watcherUrl}/master`)).json()) as { port?: number };
      return body.port === portOf(promoted);
    },
    15000,
  );

  const clientEnv = {
    ...process.env,
    WATCHER_URL: watcherUrl,
    REDIS_PASSWORD: TEST_PASSWORD,
    REDIS_TLS_CA_FILE: certs.caFile,
    REDIS_TLS_CERT_FILE: certs.clientCertFile,
    REDIS_TLS_KEY_FILE: certs.clientKeyFile,
  };
  const node = spawnSync(process.execPath, ['examples/ioredis-client.js'], { cwd: ROOT, env: clientEnv, encoding: 'utf8', timeout: 20000 });
  t.is(node.status, 0, node.stderr);
  t.is(node.stdout.trim(), 'hello from ioredis');
  const py = spawnSync('/usr/bin/python3', ['examples/redis_py_client.py'], { cwd: ROOT, env: clientEnv, encoding: 'utf8', timeout: 20000 });
  t.is(py.status, 0, py.stderr);
  t.is(py.stdout.trim(), 'hello from redis-py');
  t.is(await ask(portOf(promoted), 'GET', 'greeting'), 'hello from redis-py', 'written on the promoted master');

  // The operator's command, configured like the programs, asks every server over TLS.
  const cli = spawnSync(path.join(ROOT, 'packages', 'cli', 'dist', 'main.js'), ['status', '--json'], {
    env: { ...env.baseEnv(), ...tlsEnv(certs) },
    encoding: 'utf8',
    timeout: 30000,
  });
  t.is(cli.status, 0, cli.stderr);
  const status = JSON.parse(cli.stdout) as Record<string, { masterReachable: boolean; sentinelsAgreeing: number; master: { port: number } }>;
  t.like(status[d.name], { masterReachable: true, master: { port: portOf(promoted) } }, 'redis-zk status over TLS');
  t.true(status[d.name]!.sentinelsAgreeing >= 2, 'the sentinels answered it over TLS (a majority names the master)');
});

test('TLS with REDIS_TLS_AUTH_CLIENTS=no: a client without a certificate gets in, still only with the password', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ redis: 1, sentinels: 0, watchers: 0, env: { ...tlsEnv(certs), REDIS_TLS_AUTH_CLIENTS: 'no' } });
  const tls = { ca: read(certs.caFile), checkServerIdentity: () => undefined };
  t.is(await ping(portOf(d.master), { password: TEST_PASSWORD, tls }), 'PONG');
  t.regex(await ping(portOf(d.master), { tls }), /NOAUTH/);
  t.regex(await ping(portOf(d.master), { password: TEST_PASSWORD }), /^refused/, 'still TLS only');
});
