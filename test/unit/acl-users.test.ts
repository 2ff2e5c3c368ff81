import { createHash } from 'node:crypto';
import test from 'ava';
import { configureProgram } from '../../packages/core/src/security/configure';
import { ConfigError } from '../../packages/core/src/config/errors';
import { ACL_RULES, aclUserLine, type AclUsersConfig, redisUserLines, resolveAclUsers, sentinelUserLines } from '../../packages/core/src/security/acl-users';
import { childEnv } from '../../packages/core/src/process/supervisor';
import { splitArgs } from '../helpers/config-args';

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const ADMIN = { redisPassword: 'admin-pw', sentinelPassword: 'sentinel-pw' };
const NAMES: AclUsersConfig = { REPLICATION_USER: 'replication', SENTINEL_AUTH_USER: 'sentinel', APP_USER: 'app', DISCOVERY_USER: 'discovery' };

const resolve = (cfg: AclUsersConfig, admin: { redisPassword: string | undefined; sentinelPassword: string | undefined } = ADMIN) => {
  const problems: string[] = [];
  const users = resolveAclUsers({ ...NAMES, ...cfg }, admin, problems);
  return { users, problems };
};

test('a user line: reset, on, the password only as #<sha256>, then its rules; read back as redis splits it', (t) => {
  const password = 'p "w" \\ # x';
  const line = aclUserLine('app', { name: 'shop.app-1', password });
  t.false(line.includes(password), 'never the password in clear');
  t.deepEqual(splitArgs(line), ['user', 'shop.app-1', 'reset', 'on', `#${sha(password)}`, '~*', '&*', '+@all', '-@admin', '-@dangerous', '+info']);
  t.throws(() => aclUserLine('app', { name: 'a b', password: 'x' }), { message: /invalid ACL user name/ });
  t.throws(() => aclUserLine('app', { name: 'default', password: 'x' }));
});

test("the rules: replication's three commands; Sentinel's documented rights on its hello channel; the app without admin; discovery read-only", (t) => {
  t.deepEqual([...ACL_RULES.replication], ['-@all', '+psync', '+replconf', '+ping']);
  for (const c of [
    '+multi',
    '+exec',
    '+slaveof',
    '+ping',
    '+info',
    '+role',
    '+publish',
    '+subscribe',
    '+config|rewrite',
    '+client|setname',
    '+client|kill',
    '+script|kill',
  ])
    t.true((ACL_RULES.sentinel as readonly string[]).includes(c), c);
  t.is(ACL_RULES.sentinel[0], '-@all');
  t.true((ACL_RULES.sentinel as readonly string[]).includes('&__sentinel__:hello'), 'its hello channel, no other');
  t.false(
    (ACL_RULES.sentinel as readonly string[]).some((r) => r.startsWith('~')),
    'no key',
  );
  t.deepEqual([...ACL_RULES.app], ['~*', '&*', '+@all', '-@admin', '-@dangerous', '+info']);
  const discovery = ACL_RULES.discovery as readonly string[];
  t.is(discovery[0], '-@all');
  for (const c of ['monitor', 'remove', 'set', 'failover', 'reset', 'config', 'flushconfig', 'debug'])
    t.false(
      discovery.some((r) => r === `+sentinel|${c}`),
      `no SENTINEL ${c}`,
    );
  t.false(discovery.includes('+sentinel') || discovery.includes('+publish') || discovery.includes('+@all'), 'no SENTINEL as a whole, no PUBLISH');
});

test('no password, no user: REDIS_PASSWORD alone defines nothing', (t) => {
  const { users, problems } = resolve({});
  t.deepEqual(problems, []);
  t.deepEqual(users, {});
  t.deepEqual(redisUserLines(users), []);
  t.deepEqual(sentinelUserLines(users), []);
});

test('each user from its password, under its name; the redis ones on the nodes, discovery on Sentinel', (t) => {
  const { users, problems } = resolve({
    REPLICATION_PASSWORD: 'r-pw',
    SENTINEL_AUTH_PASSWORD: 's-pw',
    APP_PASSWORD: 'a-pw',
    DISCOVERY_PASSWORD: 'd-pw',
    APP_USER: 'shop',
  });
  t.deepEqual(problems, []);
  t.deepEqual(users, {
    replication: { name: 'replication', password: 'r-pw' },
    sentinel: { name: 'sentinel', password: 's-pw' },
    app: { name: 'shop', password: 'a-pw' },
    discovery: { name: 'discovery', password: 'd-pw' },
  });
  t.deepEqual(
    redisUserLines(users).map((l) => splitArgs(l).slice(0, 5)),
    [
      ['user', 'replication', 'reset', 'on', `#${sha('r-pw')}`],
      ['user', 'sentinel', 'reset', 'on', `#${sha('s-pw')}`],
      ['user', 'shop', 'reset', 'on', `#${sha('a-pw')}`],
    ],
  );
  t.deepEqual(
    sentinelUserLines(users).map((l) => splitArgs(l).slice(0, 5)),
    [['user', 'discovery', 'reset', 'on', `#${sha('d-pw')}`]],
  );
  // Only the ones given.
  t.deepEqual(Object.keys(resolve({ APP_PASSWORD: 'a-pw' }).users), ['app']);
});

test('refused: a user without the default user password, with the administrator password, or two redis users of one name; never a value', (t) => {
  const none = resolve({ APP_PASSWORD: 'a-pw', DISCOVERY_PASSWORD: 'd-pw' }, { redisPassword: undefined, sentinelPassword: undefined });
  t.deepEqual(none.users, {});
  t.is(none.problems.length, 2);
  t.regex(none.problems[0]!, /^APP_PASSWORD needs REDIS_PASSWORD/);
  t.regex(none.problems[1]!, /^DISCOVERY_PASSWORD needs SENTINEL_PASSWORD/);
  const same = resolve({ APP_PASSWORD: 'admin-pw', DISCOVERY_PASSWORD: 'sentinel-pw', REPLICATION_PASSWORD: 'r' });
  t.deepEqual(same.problems, [
    "APP_PASSWORD must differ from REDIS_PASSWORD (the default user's, the administrator's)",
    "DISCOVERY_PASSWORD must differ from SENTINEL_PASSWORD (the default user's, the administrator's)",
  ]);
  const clash = resolve({
    APP_PASSWORD: 'a',
    SENTINEL_AUTH_PASSWORD: 's',
    APP_USER: 'x',
    SENTINEL_AUTH_USER: 'x',
    DISCOVERY_USER: 'x',
    DISCOVERY_PASSWORD: 'd',
  });
  t.deepEqual(
    clash.problems,
    ['SENTINEL_AUTH_USER and APP_USER name the same user: each redis user needs its own name'],
    'discovery lives on Sentinel: its name may repeat',
  );
  for (const p of [...none.problems, ...same.problems, ...clash.problems]) t.false(/admin-pw|sentinel-pw|a-pw|d-pw/.test(p), p);
});

const env = (o: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ ZK_HOSTS: '127.0.0.1:2181', ZK_AUTH: 'u:zk-pw', REDIS_PASSWORD: 'admin-pw', ...o });

test('configureProgram: each wrapper reads the users it needs; a bad name or a clash stops it naming the variables, no password shown', (t) => {
  const all = { REPLICATION_PASSWORD: 'r-pw', SENTINEL_AUTH_PASSWORD: 's-pw', APP_PASSWORD: 'a-pw', DISCOVERY_PASSWORD: 'd-pw' };
  t.deepEqual(Object.keys(configureProgram('redis-wrapper', env(all)).users).sort(), ['app', 'replication', 'sentinel']);
  t.deepEqual(Object.keys(configureProgram('sentinel-wrapper', env(all)).users).sort(), ['discovery', 'sentinel']);
  t.deepEqual(configureProgram('watcher', env(all)).users, {}, 'the watcher uses the administrator');
  t.deepEqual(configureProgram('redis-wrapper', env({})).users, {}, 'REDIS_PASSWORD alone: no user');
  const refused = (o: NodeJS.ProcessEnv) => {
    const err = t.throws(() => configureProgram('redis-wrapper', env(o)), { instanceOf: ConfigError }) as ConfigError;
    return err.problems.join('\n');
  };
  t.regex(refused({ APP_USER: 'default', APP_PASSWORD: 'a-pw' }), /invalid environment variable APP_USER="default"/);
  t.regex(refused({ APP_USER: 'a b', APP_PASSWORD: 'a-pw' }), /APP_USER/);
  const clash = refused({ APP_USER: 'replication', APP_PASSWORD: 'a-pw', REPLICATION_PASSWORD: 'r-pw' });
  t.regex(clash, /REPLICATION_USER and APP_USER name the same user/);
  t.false(/a-pw|r-pw|admin-pw/.test(clash));
  const noAdmin = refused({ REDIS_PASSWORD: '', ALLOW_EMPTY_PASSWORD: 'yes', APP_PASSWORD: 'a-pw' });
  t.regex(noAdmin, /APP_PASSWORD needs REDIS_PASSWORD/);
});

test("the users' passwords never reach a server's environment", (t) => {
  const child = childEnv({ PATH: '/bin', REPLICATION_PASSWORD: 'r', SENTINEL_AUTH_PASSWORD: 's', APP_PASSWORD: 'a', DISCOVERY_PASSWORD: 'd', APP_USER: 'app' });
  t.deepEqual(child, { PATH: '/bin', APP_USER: 'app' });
});
