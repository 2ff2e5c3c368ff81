import test from 'ava';
import { type Task, TestEnv } from '../helpers/env';
import { directoryAt, killTask, portOf, zkMasterRaw } from '../helpers/failovers';
import { info } from '../helpers/redis-info';
import { recordFigures, stats } from '../helpers/figures';
import { waitFor } from '../helpers/wait';

// 50 redis-wrappers of one set started at the same instant, five times, each round on a fresh
// ZooKeeper root (an empty directory, as for a brand-new set): the election lock must let exactly
// one become master and every other start as its replica. MASTER_WAIT_TIMEOUT_MS stays at its
// default (60 s): a wrapper queued on the lock longer than that gives up, which counts as a
// failure here. 50 redis-server + 50 Node processes on two cores is heavy on purpose; the rounds
// run one after another and each round's tasks are killed before the next.

const NODES = 50;
const ROUNDS = 5;
const NAME = 'mymaster';

let env: TestEnv;
let conf: NodeJS.ProcessEnv = {};
let failed = false;
const registeredMs: number[] = [];

test.before(async (_t) => {
  env = await TestEnv.create();
  conf = {};
});
test.afterEach.always((t) => {
  if (!t.passed) failed = true;
});
test.after.always(async (t) => {
  if (registeredMs.length > 0) {
    const s = stats(registeredMs);
    recordFigures(t, 'mass-start/summary', { nodes: NODES, rounds: registeredMs.length, allRegisteredMs: registeredMs, medianMs: s.median, maxMs: s.max });
  }
  await env?.cleanup(!failed, (m) => t.log(m));
});

/** Milliseconds from the wrapper's first log line to its "election decided" line. */
function electionMs(task: Task): number | undefined {
  const lines = task.proc
    .log()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  const time = (l: string | undefined) => (l ? Number(/"time":(\d+)/.exec(l)?.[1]) : NaN);
  const ms = time(lines.find((l) => l.includes('"msg":"election decided"'))) - time(lines[0]);
  return Number.isFinite(ms) ? ms : undefined;
}

for (let round = 1; round <= ROUNDS; round += 1) {
  test.serial(`round ${round}: ${NODES} wrappers at once → exactly one master, ${NODES - 1} replicas of it, ZooKeeper names it`, async (t) => {
    const root = `/mass-start-${round}`;
    const dir = await directoryAt(env, root);
    const started = Date.now();
    const tasks = await Promise.all(Array.from({ length: NODES }, () => env.start('redis-wrapper', { ...conf, ZK_ROOT: root, MASTER_NAME: NAME })));
    try {
      const outcome = await waitFor(
        `${NODES} registered nodes (or a wrapper exiting)`,
        async () => {
          const exited = tasks.filter((x) => !x.proc.running);
          if (exited.length > 0) return { exited };
          return (await dir.listNodes(NAME)).length === NODES ? { exited } : undefined;
        },
        240000,
        250,
      );
      const allRegistered = Date.now() - started;
      t.deepEqual(
        outcome.exited.map((x) => `${x.address} exit ${JSON.stringify(x.proc.exitStatus)}`),
        [],
        'no wrapper exited (gave up or crashed)',
      );
      if (outcome.exited.length > 0) {
        for (const x of outcome.exited)
          t.log(
            `${x.proc.label} ${x.address}: ${x.proc
              .log()
              .split('\n')
              .filter((l) => /"level":(50|60)/.test(l))
              .slice(-2)
              .join(' | ')
              .slice(0, 600)}`,
          );
        return;
      }

      const master = await zkMasterRaw(dir, NAME);
      t.truthy(master, 'ZooKeeper names a master');
      t.true(
        tasks.some((x) => x.address === master),
        "ZooKeeper names one of this round's tasks",
      );
      const roles = await env.roles(tasks.map((x) => x.port));
      t.is(roles.filter((r) => r === 'master').length, 1, 'exactly one master');
      t.is(roles.filter((r) => r === 'slave').length, NODES - 1, 'every other node is a replica');
      t.is(roles[tasks.findIndex((x) => x.address === master)], 'master', 'the master is the one ZooKeeper names');

      const replicas = tasks.filter((x) => x.address !== master);
      await waitFor(
        `every replica of ${master} with the link up`,
        async () => {
          const infos = await Promise.all(replicas.map((x) => info(x.port)));
          return infos.every(
            (i) => i?.get('role') === 'slave' && `${i.get('master_host')}:${i.get('master_port')}` === master && i.get('master_link_status') === 'up',
          );
        },
        60000,
        500,
      );
      const allLinked = Date.now() - started;
      const masterInfo = await info(portOf(master));
      t.is(Number(masterInfo?.get('connected_slaves')), NODES - 1, 'the master sees every replica');
      const decided = tasks.map(electionMs).filter((x): x is number => x !== undefined);
      t.is(decided.length, NODES, 'every wrapper logged its election decision');
      const e = stats(decided);
      registeredMs.push(allRegistered);
      recordFigures(t, `mass-start/round-${round}`, {
        nodes: NODES,
        allRegisteredMs: allRegistered,
        allReplicasLinkedMs: allLinked,
        electionMedianMs: e.median,
        electionMaxMs: e.max,
      });
    } finally {
      await Promise.all(tasks.map((x) => killTask(x)));
    }
  });
}
