import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { ConfigError } from '../../packages/core/src/config/errors';
import { resolveSecurity, type SecurityConfig } from '../../packages/core/src/security/settings';
import { listenLines } from '../../packages/core/src/security/server-lines';
import { deploymentAcl, digestId, sameAcl } from '../../packages/core/src/zk/acl';

const base: SecurityConfig = {
  ALLOW_EMPTY_PASSWORD: false,
  REDIS_TLS_ENABLED: false,
  REDIS_TLS_AUTH_CLIENTS: 'yes',
  ZK_AUTH: { user: 'u', password: 'zk-secret' },
  ALLOW_ANONYMOUS_ZK: false,
};

const problems = (cfg: SecurityConfig): string[] => {
  try {
    resolveSecurity(cfg);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
};

test('a password is required unless ALLOW_EMPTY_PASSWORD; the error names both and no value', (t) => {
  const [p, ...rest] = problems(base);
  t.is(rest.length, 0);
  t.regex(p!, /REDIS_PASSWORD is not set/);
  t.regex(p!, /ALLOW_EMPTY_PASSWORD=yes/);
  t.deepEqual(problems({ ...base, ALLOW_EMPTY_PASSWORD: true }), []);
  t.deepEqual(problems({ ...base, REDIS_PASSWORD: 'x' }), []);
});

test('ZooKeeper credentials are required unless ALLOW_ANONYMOUS_ZK; the error names both and no value', (t) => {
  const anonymous = { ...base, REDIS_PASSWORD: 'x', ZK_AUTH: undefined };
  const [p, ...rest] = problems(anonymous);
  t.is(rest.length, 0);
  t.regex(p!, /^ZK_AUTH is not set/);
  t.regex(p!, /ALLOW_ANONYMOUS_ZK=yes/);
  t.deepEqual(problems({ ...anonymous, ALLOW_ANONYMOUS_ZK: true }), []);
  // The waiver only allows a missing ZK_AUTH: with it set, nothing changes (the ACLs follow ZK_AUTH).
  t.deepEqual(problems({ ...base, REDIS_PASSWORD: 'x', ALLOW_ANONYMOUS_ZK: true }), []);
  // Both missing: both said, in one run.
  const both = problems({ ...anonymous, REDIS_PASSWORD: undefined });
  t.is(both.length, 2);
  t.false(both.join('\n').includes('zk-secret'));
});

test('SENTINEL_PASSWORD defaults to REDIS_PASSWORD, and may differ', (t) => {
  t.like(resolveSecurity({ ...base, REDIS_PASSWORD: 'r' }), { redisPassword: 'r', sentinelPassword: 'r', tls: undefined });
  t.like(resolveSecurity({ ...base, REDIS_PASSWORD: 'r', SENTINEL_PASSWORD: 's' }), { redisPassword: 'r', sentinelPassword: 's' });
  t.like(resolveSecurity({ ...base, ALLOW_EMPTY_PASSWORD: true }), { redisPassword: undefined, sentinelPassword: undefined });
});

test('TLS: every file named and read at start; the config lines close the plain port', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-tls-unit-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const f of ['c.pem', 'k.pem', 'ca.pem']) fs.writeFileSync(path.join(dir, f), f);
  const files = { REDIS_TLS_CERT_FILE: path.join(dir, 'c.pem'), REDIS_TLS_KEY_FILE: path.join(dir, 'k.pem'), REDIS_TLS_CA_FILE: path.join(dir, 'ca.pem') };
  const s = resolveSecurity({ ...base, REDIS_PASSWORD: 'x', REDIS_TLS_ENABLED: true, REDIS_TLS_AUTH_CLIENTS: 'optional', ...files });
  t.is(s.tls?.cert.toString(), 'c.pem');
  t.is(s.tls?.ca.toString(), 'ca.pem');
  t.deepEqual(listenLines(6380, s.tls), [
    'port 0',
    'tls-port 6380',
    `tls-cert-file ${files.REDIS_TLS_CERT_FILE}`,
    `tls-key-file ${files.REDIS_TLS_KEY_FILE}`,
    `tls-ca-cert-file ${files.REDIS_TLS_CA_FILE}`,
    'tls-auth-clients optional',
    'tls-replication yes',
  ]);
  t.deepEqual(listenLines(6380, undefined), ['port 6380']);
  const missing = problems({ ...base, REDIS_PASSWORD: 'x', REDIS_TLS_ENABLED: true, REDIS_TLS_CERT_FILE: path.join(dir, 'nope.pem') });
  t.is(missing.length, 3, missing.join('\n'));
});

test('ZooKeeper digest id as ZooKeeper computes it (user:base64(sha1(user:password)))', (t) => {
  // Worked out independently of the code (python3 hashlib); that ZooKeeper agrees is shown by the
  // integration tests, where nodes created with this ACL stay writable by the same credentials.
  t.is(digestId({ user: 'super', password: 'secret' }), 'super:lK75jTNcA+U9vtVEw5vB51mj/w4=');
});

test('deployment ACL: the identity all rights, everyone read; open without credentials', (t) => {
  const acl = deploymentAcl({ user: 'u', password: 'p' });
  t.deepEqual(
    acl.map((a) => [a.id.scheme, a.permission]),
    [
      ['digest', 31],
      ['world', 1],
    ],
  );
  t.deepEqual(
    deploymentAcl(undefined).map((a) => [a.id.scheme, a.id.id, a.permission]),
    [['world', 'anyone', 31]],
  );
  t.true(sameAcl(acl, [...acl].reverse()));
  t.false(sameAcl(acl, deploymentAcl(undefined)));
});
