import { createHash } from 'node:crypto';
import test from 'ava';
import { parseAddress } from '../../packages/core/src/address';
import { redisConfigLines, type RedisConfigInputs } from '../../packages/redis-wrapper/src/redis-config';
import { splitArgs } from '../helpers/config-args';

const addr = (text: string) => parseAddress(text)!;
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const inputs = (o: Partial<RedisConfigInputs> = {}): RedisConfigInputs => ({
  bind: addr('10.0.0.2:6379'),
  announce: addr('10.0.0.2:6379'),
  dataDir: '/data',
  password: 'admin "pw"',
  replicaOf: addr('10.0.0.3:6379'),
  ...o,
});
const parsed = (i: RedisConfigInputs) => redisConfigLines(i).map(splitArgs);
const only = (i: RedisConfigInputs, directive: string) => parsed(i).filter((a) => a[0] === directive);

test('REDIS_PASSWORD alone: requirepass and masterauth of the default user, no user line, no masteruser (as before the users)', (t) => {
  const i = inputs();
  t.deepEqual(only(i, 'requirepass'), [['requirepass', 'admin "pw"']]);
  t.deepEqual(only(i, 'masterauth'), [['masterauth', 'admin "pw"']]);
  t.deepEqual(only(i, 'masteruser'), []);
  t.deepEqual(only(i, 'user'), []);
  t.deepEqual(only(inputs({ users: {} }), 'user'), [], 'no password given, no user');
});

test('with the replication user: masteruser and its masterauth; the default user keeps requirepass', (t) => {
  const i = inputs({ users: { replication: { name: 'replication', password: 'r pw' } } });
  t.deepEqual(only(i, 'requirepass'), [['requirepass', 'admin "pw"']]);
  t.deepEqual(only(i, 'masteruser'), [['masteruser', 'replication']]);
  t.deepEqual(only(i, 'masterauth'), [['masterauth', 'r pw']], "the replication user's password, not the administrator's");
  t.deepEqual(only(i, 'user'), [['user', 'replication', 'reset', 'on', `#${sha('r pw')}`, '-@all', '+psync', '+replconf', '+ping']]);
  // A master writes the same lines: a replica of it later (Sentinel's REPLICAOF) logs in the same way.
  t.deepEqual(only({ ...i, replicaOf: undefined }, 'masteruser'), [['masteruser', 'replication']]);
});

test("every user a node defines, passwords only hashed: replication, Sentinel's, the application's", (t) => {
  const users = {
    replication: { name: 'repl', password: 'r-secret' },
    sentinel: { name: 'sentinel', password: 's-secret' },
    app: { name: 'shop', password: 'a-secret' },
  };
  const lines = redisConfigLines(inputs({ users }));
  const text = lines.join('\n');
  t.false(text.includes('s-secret') || text.includes('a-secret'), "Sentinel's and the app's passwords are never in clear");
  t.is(text.split('r-secret').length - 1, 1, "the replication password in clear only in masterauth (the replica's own credential)");
  const userLines = lines.map(splitArgs).filter((a) => a[0] === 'user');
  t.deepEqual(
    userLines.map((a) => a.slice(0, 5)),
    [
      ['user', 'repl', 'reset', 'on', `#${sha('r-secret')}`],
      ['user', 'sentinel', 'reset', 'on', `#${sha('s-secret')}`],
      ['user', 'shop', 'reset', 'on', `#${sha('a-secret')}`],
    ],
  );
  t.deepEqual(userLines[1]!.slice(5), [
    '-@all',
    '+ping',
    '+info',
    '+role',
    '+multi',
    '+exec',
    '+slaveof',
    '+config|rewrite',
    '+client|setname',
    '+client|kill',
    '+script|kill',
    '+subscribe',
    '+publish',
    '&__sentinel__:hello',
  ]);
  t.deepEqual(userLines[2]!.slice(5), ['~*', '&*', '+@all', '-@admin', '-@dangerous', '+info']);
  t.true(
    lines.every((l) => !l.includes('\n')),
    'one line each',
  );
});

test('no default user password (ALLOW_EMPTY_PASSWORD): no user and no masterauth (the configuration refuses users then anyway)', (t) => {
  const i = inputs({ password: undefined, users: { app: { name: 'app', password: 'a' } } });
  t.deepEqual(only(i, 'user'), []);
  t.deepEqual(only(i, 'masterauth'), []);
  t.deepEqual(only(i, 'requirepass'), []);
});
