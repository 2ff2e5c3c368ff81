import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { freePort, PORT_CLAIMS_DIR } from '../packages/local-stack/src/ports';
import { ROOT } from './helpers/processes';
import { waitFor } from './helpers/wait';
import './helpers/exit-guard'; // fails this file if its worker outlives its tests

// Test files run in parallel processes, each handing out ports for servers that bind them
// seconds later: a port must never go to two processes (CI once saw a redis-server of one test
// fail to bind a port another test's server had taken meanwhile).

const TAKER = path.join(ROOT, 'test/helpers/take-ports.ts');

/** A child process that takes `count` ports from `startAt` (epoch ms) on, prints them, then waits for a signal or stdin to close. */
function taker(count: number, startAt: number) {
  const child = spawn(process.execPath, ['--import=tsx', TAKER, String(count), String(startAt)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    exited,
    ports: () => waitFor('the child to print its ports', () => (out.includes('\n') ? (JSON.parse(out) as number[]) : undefined), 30000),
  };
}

test('two processes taking ports at the same time never get the same one; a clean exit gives its claims back', async (t) => {
  const startAt = Date.now() + 3000;
  const a = taker(400, startAt);
  const b = taker(400, startAt);
  try {
    const [pa, pb] = await Promise.all([a.ports(), b.ports()]);
    t.is(new Set(pa).size, 400);
    t.is(new Set(pb).size, 400);
    t.deepEqual(
      pa.filter((p) => pb.includes(p)),
      [],
      'no port handed to both',
    );
    for (const p of [...pa, ...pb]) t.true(fs.existsSync(path.join(PORT_CLAIMS_DIR, String(p))), `port ${p} claimed while its process lives`);
    a.child.stdin.end();
    b.child.stdin.end();
    await Promise.all([a.exited, b.exited]);
    // A port given back may at once be claimed by another test file running beside this one: only
    // a claim still naming one of the two exited processes is a leftover.
    const owners = new Set([a.child.pid, b.child.pid].map(String));
    const ownerOf = (p: number) => fs.readFileSync(path.join(PORT_CLAIMS_DIR, String(p)), 'utf8');
    t.deepEqual(
      [...pa, ...pb].filter((p) => fs.existsSync(path.join(PORT_CLAIMS_DIR, String(p))) && owners.has(ownerOf(p))),
      [],
      'claims removed at exit',
    );
  } finally {
    a.child.kill('SIGKILL');
    b.child.kill('SIGKILL');
  }
});

test('claims of a process that died without cleaning up are taken over', async (t) => {
  const dead = taker(300, Date.now());
  let stale: number[];
  try {
    stale = await dead.ports();
  } finally {
    dead.child.kill('SIGKILL');
  }
  await dead.exited;
  t.true(
    stale.every((p) => fs.existsSync(path.join(PORT_CLAIMS_DIR, String(p)))),
    'a killed process leaves its claims',
  );
  // ~2% of the odd ephemeral ports are stale claims now: a few hundred picks reach one.
  let taken: number | undefined;
  for (let i = 0; i < 5000 && taken === undefined; i += 1) {
    const p = await freePort();
    if (stale.includes(p)) taken = p;
  }
  t.truthy(taken, "one of the dead process's ports handed out again");
  t.is(fs.readFileSync(path.join(PORT_CLAIMS_DIR, String(taken)), 'utf8'), String(process.pid), 'now claimed by this process');
  for (const p of stale) {
    const file = path.join(PORT_CLAIMS_DIR, String(p));
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === String(dead.child.pid)) fs.rmSync(file, { force: true });
  }
});
