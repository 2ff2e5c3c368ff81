import test from 'ava';
import { TestEnv } from '../helpers/env';
import { info } from '../helpers/redis-info';
import { recordFigures } from '../helpers/figures';
import { waitFor } from '../helpers/wait';

// An orphaned replica shows in /status and the metrics until its node loop re-points it.
test.serial('an orphaned replica is reported by the watcher, and re-points itself once its wrapper runs', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 1 });
  const replica = d.redis.find((x) => x.address !== d.master)!;
  const watcher = d.watchers[0]!;
  replica.proc.kill('SIGSTOP'); // the wrapper only: its redis-server runs on
  const client = env.redis(replica.port);
  await client.call('REPLICAOF', '127.0.0.1', '1');
  client.disconnect();
  const problems = await waitFor(
    '/status to report the orphan',
    async () => {
      const s = (await (await fetch(`http://127.0.0.1:${watcher.port}/status`)).json()) as { mymaster: { problems: Array<{ kind: string; detail: string }> } };
      return s.mymaster.problems.some((p) => p.kind === 'orphaned-replica') ? s.mymaster.problems : undefined;
    },
    30000,
    200,
  );
  t.regex(problems.find((p) => p.kind === 'orphaned-replica')!.detail, new RegExp(`${replica.address} follows 127\\.0\\.0\\.1:1`));
  t.regex(await (await fetch(`http://127.0.0.1:${watcher.port}/metrics`)).text(), /redis_zk_set_problems\{set="mymaster",kind="orphaned-replica"\} 1/);
  const resumed = Date.now();
  replica.proc.kill('SIGCONT');
  await waitFor(
    'the replica to follow the master again',
    async () => {
      const i = await info(replica.port);
      return i?.get('role') === 'slave' && `${i.get('master_host')}:${i.get('master_port')}` === d.master;
    },
    15000,
    50,
  );
  recordFigures(t, 'self-healing/orphan-repointed', { resumeToRepointedMs: Date.now() - resumed });
  replica.proc.expectLogged(t, /"msg":"re-pointed this replica to the set's master"/);
  await waitFor(
    '/status without the orphan',
    async () => {
      const s = (await (await fetch(`http://127.0.0.1:${watcher.port}/status`)).json()) as { mymaster: { problems: unknown[] } };
      return s.mymaster.problems.length === 0;
    },
    30000,
    200,
  );
});
