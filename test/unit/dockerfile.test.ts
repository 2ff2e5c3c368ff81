import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';

/**
 * The image runs nothing as root (#26 point 3). Docker is not needed to check what the Dockerfile
 * declares: the runtime stage ends as a fixed, non-root uid that owns the data directories and
 * nothing else (the code stays root's).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
/** Instructions of the runtime stage (after the last FROM), continuation lines joined, comments dropped. */
const runtime = dockerfile
  .slice(dockerfile.lastIndexOf('\nFROM '))
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

test('the runtime stage ends as a numeric non-root USER, after everything that needs root', (t) => {
  const users = runtime.filter((l) => /^USER\s/.test(l));
  t.is(users.length, 1, users.join('\n'));
  const m = /^USER\s+(\d+):(\d+)$/.exec(users[0]!);
  t.truthy(m, `USER as uid:gid (numeric: runAsNonRoot-style checks need it): ${users[0]}`);
  t.not(Number(m![1]), 0, 'not root');
  t.not(Number(m![2]), 0, 'not the root group');
  const at = runtime.indexOf(users[0]!);
  t.deepEqual(
    runtime.slice(at + 1).map((l) => l.split(/\s/)[0]),
    ['CMD'],
    'nothing runs as root after USER, and nothing after it is built as root',
  );
});

test("the user exists with that uid and gid, and owns the data directories (the Mesos sandbox's and ./data), not the code", (t) => {
  const [, uid, gid] = /^USER\s+(\d+):(\d+)$/m.exec(runtime.join('\n')) ?? [];
  const setup = runtime.filter((l) => l.startsWith('RUN ')).join('\n');
  const group = new RegExp(`groupadd [^&]*--gid ${gid} (\\S+)`).exec(setup);
  const user = new RegExp(`useradd [^&]*--uid ${uid} --gid ${gid} [^&]*?(\\S+)\\s*(&&|$)`, 'm').exec(setup);
  t.truthy(group, `a group with gid ${gid}`);
  t.truthy(user, `a user with uid ${uid}, gid ${gid}`);
  const name = user![1]!;
  const owned = new RegExp(`install -d -m 0700 -o ${name} -g ${group![1]} ([^&]+)`).exec(setup);
  t.truthy(owned, 'data directories created, 0700, owned by the user');
  const dirs = owned![1]!.trim().split(/\s+/);
  for (const dir of ['/app/data', '/mnt/mesos/sandbox/data']) t.true(dirs.includes(dir), `${dir} owned by ${name}: ${dirs.join(' ')}`);
  t.false(dirs.includes('/app'), "the code directory is not the user's");
  for (const copy of runtime.filter((l) => l.startsWith('COPY '))) t.notRegex(copy, /--chown/, `code copied as root's: ${copy}`);
  t.is(/^WORKDIR\s+(\S+)/m.exec(runtime.join('\n'))?.[1], '/app', 'DATA_DIR outside Mesos is ./data = /app/data');
});

test("docs/marathon.md tells the operator which uid the agents' host paths must belong to", (t) => {
  const uid = /^USER\s+(\d+):/m.exec(runtime.join('\n'))?.[1];
  const marathon = fs.readFileSync(path.join(ROOT, 'docs', 'marathon.md'), 'utf8');
  t.true(marathon.includes(`-o ${uid}`) && marathon.includes('/var/lib/redis-zk/redis-zk-redis'), 'the data volume chowned to it');
  t.regex(marathon, new RegExp(`chown ${uid}:${uid} /etc/redis-zk`), 'and the secrets file');
});

test('the image builds for either engine: ENGINE=redis (the default) or valkey (Debian bookworm-backports), the programs pointed at its binaries', (t) => {
  const text = runtime.join('\n');
  t.regex(text, /^ARG ENGINE=redis$/m, 'redis unless told otherwise');
  const line = runtime.find((l) => l.startsWith('RUN ') && l.includes('"$ENGINE"')) ?? '';
  const install = line.replace(/\s+/g, ' ');
  t.regex(install, /redis\) apt-get update && apt-get install -y --no-install-recommends redis-server redis-sentinel ;;/);
  t.regex(install, /valkey\) .*'Suites: bookworm-backports'.* > \/etc\/apt\/sources\.list\.d\/debian-backports\.sources/, 'backports added as a deb822 file');
  t.regex(
    install,
    /'URIs: http:\/\/deb\.debian\.org\/debian' .*'Signed-By: \/usr\/share\/keyrings\/debian-archive-keyring\.gpg'/,
    "Debian's mirror and keyring",
  );
  t.regex(install, /apt-get install -y --no-install-recommends -t bookworm-backports valkey-server valkey-sentinel/);
  t.regex(install, /ln -s \/usr\/bin\/valkey-cli \/usr\/local\/bin\/redis-cli/, "the health checks' redis-cli");
  t.regex(install, /\*\) echo .* exit 1 ;;/, 'any other engine fails the build');
  t.regex(text, /^ENV REDIS_SERVER_BIN=\$\{ENGINE\}-server REDIS_SENTINEL_BIN=\$\{ENGINE\}-sentinel$/m);
  const other = runtime.filter((l) => l.startsWith('RUN ') && /apt-get install/.test(l));
  t.is(other.length, 1, 'the engine is the only package install');
  t.true(runtime.indexOf(`ARG ENGINE=redis`) < runtime.indexOf(line), 'the argument is declared in the runtime stage before use');
});
