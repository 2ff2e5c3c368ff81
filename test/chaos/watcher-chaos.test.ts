import test, { type ExecutionContext } from 'ava';
import { type Deployment, type Task, TestEnv } from '../helpers/env';
import { firstSentinelSwitch, followedBy, killTask, portOf, waitForSentinelSwitch, zkMasterRaw, zkNamesLiveMasterThroughout } from '../helpers/failovers';
import { recordFigures } from '../helpers/figures';
import { isSyncedReplicaOf, liveRedis, usableReplicas } from '../helpers/chaos';
import { sentinelMasterAddr } from '../helpers/sentinel';
import { sleep, waitFor } from '../helpers/wait';

// The watcher is what carries Sentinel's failovers into ZooKeeper. Here it (or the sentinel it
// follows, or both) dies at the worst moment: together with the master. Whatever survives, or
// whatever is started again, must bring ZooKeeper to the promoted replica, and once a watcher has
// run for a few seconds after the switch ZooKeeper must never name a dead node.
// Serial: each scenario is a whole deployment with a failover; two at once overload two cores.

/** How long ZooKeeper is sampled after it is right: it must keep naming the live master. */
const STEADY_MS = 3000;

const taskAt = (d: Deployment, address: string): Task => d.redis.find((r) => r.address === address)!;

async function zkNames(d: Deployment, address: string, timeoutMs = 30000): Promise<number> {
  await waitFor(`ZooKeeper to name ${address}`, async () => (await zkMasterRaw(d.dir)) === address, timeoutMs, 20);
  return Date.now();
}

/** The promoted master is one of the set's surviving redis tasks, and every live sentinel names it. */
async function checkPromoted(t: ExecutionContext, env: TestEnv, d: Deployment, promoted: string, liveSentinels: readonly Task[]): Promise<void> {
  t.not(promoted, d.master);
  t.true(
    d.redis.some((r) => r.address === promoted && r.proc.running),
    `${promoted} is a surviving redis task`,
  );
  t.is(await env.role(portOf(promoted)), 'master');
  for (const s of liveSentinels) t.is(await sentinelMasterAddr(s.port, d.name), promoted, `sentinel ${s.port} names the promoted master`);
}

async function watcherAgrees(w: Task, address: string): Promise<void> {
  await waitFor(
    `watcher ${w.port} to serve ${address} at /master`,
    async () => {
      const res = await fetch(`http://127.0.0.1:${w.port}/master`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
      if (res?.status !== 200) return false;
      const m = (await res.json()) as { host: string; port: number };
      return `${m.host}:${m.port}` === address;
    },
    15000,
    100,
  );
}

async function healthyFollowing(w: Task, notPort: number): Promise<{ host: string; port: number }> {
  return waitFor(
    `watcher ${w.port} healthy, following a live sentinel`,
    async () => {
      const res = await fetch(`http://127.0.0.1:${w.port}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
      if (res?.status !== 200) return undefined;
      const f = ((await res.json()) as { following: { host: string; port: number } | null }).following;
      return f && f.port !== notPort ? f : undefined;
    },
    15000,
    100,
  );
}

/** Concurrently: when the survivors switch off the dead master, and when ZooKeeper does. */
function switchAndZooKeeper(d: Deployment, survivors: readonly Task[]) {
  const switched = firstSentinelSwitch(survivors, d.name, d.master).then((f) => ({ a: f.address, at: f.at }));
  const zk = waitFor(
    'ZooKeeper to move off the dead master',
    async () => {
      const m = await zkMasterRaw(d.dir);
      return m && m !== d.master ? { a: m, at: Date.now() } : undefined;
    },
    30000,
    20,
  );
  return Promise.all([switched, zk]);
}

test.serial('(a) watcher killed during the failover, started again after the switch: ZooKeeper names the new master', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 1 });
  const watcher = d.watchers[0]!;

  const master = taskAt(d, d.master);
  const killed = Date.now();
  master.proc.killGroup('SIGKILL');
  watcher.proc.killGroup('SIGKILL');
  await Promise.all([master.proc.exited, watcher.proc.exited]);
  const watcherDownMs = Date.now() - killed;

  const first = await firstSentinelSwitch(d.sentinels, d.name, d.master);
  const promoted = await waitForSentinelSwitch(env, d.sentinels, d.name, d.master);
  t.is(promoted, first.address);
  const switched = Date.now();
  t.is(await zkMasterRaw(d.dir), d.master, 'with no watcher running, ZooKeeper still names the dead master');

  const started = Date.now();
  const fresh = await env.start('watcher');
  const fixed = await zkNames(d, promoted);
  await checkPromoted(t, env, d, promoted, d.sentinels);
  await watcherAgrees(fresh, promoted);
  await healthyFollowing(fresh, -1);

  const bad = await zkNamesLiveMasterThroughout(env, d.dir, d.name, STEADY_MS);
  t.deepEqual(bad, [], 'ZooKeeper keeps naming the live master');
  t.true(fresh.proc.running);
  recordFigures(t, 'watcher-chaos/watcher-killed-during-failover', {
    watcherKilledAfterMasterMs: watcherDownMs,
    killToSentinelSwitchMs: first.at - killed,
    killToAllSentinelsAgreeMs: switched - killed,
    watcherStartToZkMs: fixed - started,
  });
});

test.serial('(b) the followed sentinel killed with the master: the running watcher still updates ZooKeeper', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 1 });
  const watcher = d.watchers[0]!;
  const followed = await waitFor('the watcher to follow a sentinel', () => followedBy(watcher.port), 10000);
  const victim = d.sentinels.find((s) => s.port === followed.port);
  t.truthy(victim, `the watcher follows one of the deployment's sentinels (${followed.host}:${followed.port})`);
  const survivors = d.sentinels.filter((s) => s !== victim);

  const master = taskAt(d, d.master);
  const killed = Date.now();
  master.proc.killGroup('SIGKILL');
  victim!.proc.killGroup('SIGKILL');
  await Promise.all([master.proc.exited, victim!.proc.exited]);

  const [switched, zk] = await switchAndZooKeeper(d, survivors);
  await checkSettledAfterSentinelLoss(t, env, d, zk.a, switched.a, survivors, watcher, victim!.port, 'the watcher');
  recordFigures(t, 'watcher-chaos/followed-sentinel-killed-with-master', {
    killToSentinelSwitchMs: switched.at - killed,
    killToZkMs: zk.at - killed,
    switchToZkMs: zk.at - switched.at,
  });
});

test.serial('(c) watcher, its sentinel and the master killed at once, a new watcher started: ZooKeeper right', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 1 });
  const watcher = d.watchers[0]!;
  const followed = await waitFor('the watcher to follow a sentinel', () => followedBy(watcher.port), 10000);
  const victim = d.sentinels.find((s) => s.port === followed.port)!;
  t.truthy(victim);
  const survivors = d.sentinels.filter((s) => s !== victim);

  const master = taskAt(d, d.master);
  const killed = Date.now();
  await Promise.all([master, victim, watcher].map((task) => killTask(task)));

  // Marathon replaces the watcher at once: it starts while the failover is still under way, and
  // the dead sentinel is still registered (until its ZooKeeper session expires).
  const started = Date.now();
  const fresh = await env.start('watcher');
  const [switched, zk] = await switchAndZooKeeper(d, survivors);
  await checkSettledAfterSentinelLoss(t, env, d, zk.a, switched.a, survivors, fresh, victim.port, 'the new watcher');
  recordFigures(t, 'watcher-chaos/watcher-sentinel-master-killed', {
    killToSentinelSwitchMs: switched.at - killed,
    watcherStartToZkMs: zk.at - started,
    switchToZkMs: zk.at - switched.at,
  });
});

/**
 * After a failover that also cost a sentinel: ZooKeeper names what the survivors promoted, the
 * watcher follows a survivor and agrees, and ZooKeeper keeps naming the live master.
 */
async function checkSettledAfterSentinelLoss(
  t: ExecutionContext,
  env: TestEnv,
  d: Deployment,
  zkMaster: string,
  promoted: string,
  survivors: Task[],
  watcher: Task,
  deadSentinelPort: number,
  who: string,
): Promise<void> {
  t.is(zkMaster, promoted, 'ZooKeeper names the master the surviving sentinels promoted');
  t.is(await waitForSentinelSwitch(env, survivors, d.name, d.master), zkMaster, 'every surviving sentinel agrees');
  await checkPromoted(t, env, d, zkMaster, survivors);
  const following = await healthyFollowing(watcher, deadSentinelPort);
  t.true(
    survivors.some((s) => s.port === following.port),
    `${who} follows a surviving sentinel`,
  );
  await watcherAgrees(watcher, zkMaster);
  const bad = await zkNamesLiveMasterThroughout(env, d.dir, d.name, STEADY_MS);
  t.deepEqual(bad, [], 'ZooKeeper keeps naming the live master');
  t.true(watcher.proc.running);
}

/** Every live redis task other than `master` is its synced replica, and every sentinel can pick one. */
async function replicasReady(d: Deployment, master: string): Promise<void> {
  await waitFor(
    `the replicas of ${master} synced and known to every sentinel`,
    async () => {
      const others = liveRedis(d).filter((r) => r.address !== master);
      const synced = await Promise.all(others.map((r) => isSyncedReplicaOf(r.port, portOf(master))));
      if (!synced.every(Boolean)) return false;
      const usable = await Promise.all(d.sentinels.map((s) => usableReplicas(s.port, d.name).catch(() => [])));
      return usable.every((u) => u.length >= 1);
    },
    40000,
    100,
  );
}

test.serial('(d) a watcher frozen through two kill -9 failovers, then resumed: ZooKeeper never moves back, the history once and in order', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 2 });
  const [frozen, live] = d.watchers as [Task, Task];
  await waitFor('the frozen-to-be watcher to follow a sentinel', () => followedBy(frozen.port), 10000);
  frozen.proc.killGroup('SIGSTOP');

  // Two failovers, each master's task killed and replaced (a fresh task, a new port), as Marathon does.
  const promoted: string[] = [];
  let master = d.master;
  for (const round of [1, 2]) {
    await replicasReady(d, master);
    await killTask(taskAt(d, master));
    const next = await waitForSentinelSwitch(env, d.sentinels, d.name, master);
    await zkNames(d, next);
    await watcherAgrees(live, next);
    t.log(`failover ${round}: ${master} -> ${next}`);
    promoted.push(next);
    d.redis.push(await env.start('redis-wrapper'));
    master = next;
  }
  const before = await d.dir.readMaster(d.name);
  t.is(before?.raw, master);

  // Resumed: its sockets hold both failovers' events, the first one's master now dead.
  frozen.proc.killGroup('SIGCONT');
  const samples: string[] = [];
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    const reg = await d.dir.readMaster(d.name).catch(() => null);
    if (reg && (reg.raw !== master || reg.epoch < before!.epoch)) samples.push(`${new Date().toISOString()} ${reg.raw} epoch ${reg.epoch}`);
    await sleep(20);
  }
  t.deepEqual(samples, [], `ZooKeeper kept naming ${master} at epoch ${before!.epoch} or newer`);
  await watcherAgrees(frozen, master);
  t.true(frozen.proc.running, 'the resumed watcher runs on');

  // Sentinel's changes: each epoch once, in the order they happened, and none to a master after it was replaced.
  const changes = (await d.dir.readHistory(d.name)).filter((e) => e.epoch > 0);
  const epochs = changes.map((e) => e.epoch);
  t.deepEqual(
    epochs,
    [...new Set(epochs)].sort((a, b) => a - b),
    `history epochs once and in order: ${JSON.stringify(changes.map((e) => [e.epoch, e.from, e.to, e.by]))}`,
  );
  t.deepEqual(
    changes.map((e) => e.to),
    promoted,
    'the history holds the two failovers',
  );
});
