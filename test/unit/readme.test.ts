import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { PROGRAM_VARS } from '../../packages/core/src/config/programs';
import { PORT0_DEFAULTS, VARS } from '../../packages/core/src/config/vars';
import { ZkPaths } from '../../packages/core/src/zk/paths';

const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const row = (name: string) => readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));

for (const [name, spec] of Object.entries(VARS)) {
  test(`README documents ${name} with its default`, (t) => {
    const line = row(name);
    t.truthy(line, `no row for ${name} in the README's configuration table`);
    if (spec.default !== undefined && !spec.default.includes(`${path.sep}conf${path.sep}`)) {
      t.true(line!.includes(`\`${spec.default}\``), `${name}'s default ${spec.default} is not in: ${line}`);
    }
  });
}

test("README documents PORT0 with each program's default", (t) => {
  const line = row('PORT0') ?? '';
  for (const d of Object.values(PORT0_DEFAULTS)) t.true(line.includes(`\`${d}\``), line);
});

test('every variable a program reads is in the catalogue', (t) => {
  for (const vars of Object.values(PROGRAM_VARS)) for (const name of Object.keys(vars)) t.true(name === 'PORT0' || name in VARS, name);
});

test('README names every ZooKeeper path; docs/architecture.md documents each', (t) => {
  const p = new ZkPaths('/redis');
  const architecture = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'architecture.md'), 'utf8');
  for (const documented of [
    'masters/<name>',
    '`master`',
    'nodes/<name>/',
    'sentinels/<id>',
    'epochs/<name>',
    'locks/<name>/',
    'members/<name>/',
    'history/<name>/',
  ]) {
    t.true(readme.includes(documented), `README: ${documented}`);
    t.true(architecture.includes(`| \`${documented.replace(/`/g, '')}`), `docs/architecture.md: ${documented}`);
  }
  t.is(p.master('x'), '/redis/masters/x');
  t.is(p.epoch('x'), '/redis/epochs/x');
  t.is(p.nodes('x'), '/redis/nodes/x');
  t.is(p.electionLock('x'), '/redis/locks/x');
});
