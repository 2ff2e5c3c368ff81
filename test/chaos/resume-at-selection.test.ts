import test from 'ava';
import { FAST_SENTINEL, zkMasterOtherThan } from '../helpers/chaos';
import { TestEnv } from '../helpers/env';
import { waitFor } from '../helpers/wait';

// Nemesis seed 949985386: the master's task was frozen; Sentinel chose a replica and sent it
// REPLICAOF NO ONE, and re-pointed the other replica only ~0.9 s later (after +promoted-slave).
// The old master was resumed in between and took a queued write at once; the other replica,
// still following it, acknowledged it (WAIT 1 passed) and lost it when Sentinel re-pointed it.
// The replicas' wrappers now follow the chosen replica on the leader's +selected-slave.

test('a frozen master resumed right after Sentinel chose a replica: the other replica already follows the chosen one; no write acknowledged there is lost', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ env: FAST_SENTINEL });
  const master = d.redis.find((r) => r.address === d.master)!;
  const replicas = d.redis.filter((r) => r !== master);

  // The leader's +selected-slave, as the replicas' wrappers hear it.
  let selected: { replica: string; at: number } | undefined;
  for (const s of d.sentinels) {
    const sub = env.redis(s.port);
    sub.on('message', (_channel: string, message: string) => {
      const words = message.split(' ');
      if (!selected && words[5] === d.name) selected = { replica: `${words[2]}:${words[3]}`, at: Date.now() };
    });
    await sub.subscribe('+selected-slave');
  }

  const m = env.redis(master.port);
  await m.set('before', '1');
  master.proc.killGroup('SIGSTOP'); // the whole task: wrapper and server
  let resumed = false;
  const resume = () => {
    if (resumed) return;
    resumed = true;
    master.proc.killGroup('SIGCONT');
  };
  t.teardown(resume);
  // Queued on the frozen master: taken, and WAIT 1 asked, the moment it resumes.
  const write = m
    .pipeline()
    .set('queued', 'while frozen')
    .call('WAIT', '1', '2000')
    .exec()
    .then((replies) => {
      const [set, wait] = replies ?? [];
      return set?.[0] ? `refused: ${String(set[0])}` : wait?.[0] ? `WAIT failed: ${String(wait[0])}` : Number(wait?.[1]);
    });

  const chosen = await waitFor('Sentinel to choose a replica (+selected-slave)', async () => selected, 30_000, 20);
  const other = replicas.find((r) => r.address !== chosen.replica)!;
  // Resumed well within Sentinel's ~1 s from the choice to re-pointing the other replica itself.
  await new Promise((r) => setTimeout(r, 150));
  resume();
  const acked = await write;
  t.log(`chose ${chosen.replica}; the queued write's WAIT 1 answered ${acked}`);

  const otherFollows = await waitFor(
    "the other replica's master",
    async () => /master_port:(\d+)/.exec(String(await env.redis(other.port).info('replication')))?.[1],
    5000,
    50,
  );
  const newMaster = await zkMasterOtherThan(d, master.address, 'ZooKeeper to name the chosen replica');
  t.is(newMaster, chosen.replica);
  t.is(`127.0.0.1:${otherFollows}`, chosen.replica, 'the other replica followed the chosen one, not the resumed master');
  t.true(
    other.proc.log().includes('"action":"follow"') && /chose 127\.0\.0\.1:\d+ to replace/.test(other.proc.log()),
    "the other replica's wrapper re-pointed it on +selected-slave",
  );
  if (typeof acked === 'number' && acked >= 1) {
    const c = env.redis(Number(newMaster.split(':')[1]));
    await waitFor('the new master to answer as master', async () => String(await c.info('replication')).includes('role:master'), 15_000, 100);
    t.is(await c.get('queued'), 'while frozen', 'a write a replica acknowledged on the resumed master is on the new master');
  }
});
