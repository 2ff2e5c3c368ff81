import type { ExecutionContext } from 'ava';
import type { ModelAgent } from '../../packages/local-stack/src/marathon-model';
import { stopOnTeardown } from './chaos';
import { recordFigures } from './figures';
import { nextEvent, uniqueViolations } from './model';
import {
  checkNoLoss,
  masterTask,
  ModelClient,
  outageAround,
  REDIS,
  type Scenario,
  SENTINEL,
  waitSteady,
  WATCHER,
  WritableMasters,
  type WriterResult,
} from './model-scenario';
import { waitFor } from './wait';

/**
 * Marathon scenario 3 on a platform's timer: the master's agent killed (every task on it) while a
 * client writes; Mesos calls it unreachable after `unreachableAfterSeconds` (scaled), Marathon
 * replaces its tasks on the spare agent under UNIQUE, redis only on labelled agents. Asserts 0
 * acknowledged writes lost and never two writable masters; records `figures`.
 */
export async function masterAgentLoss(t: ExecutionContext, sc: Scenario, figures: string, unreachableAfterSeconds: number): Promise<void> {
  const { model } = sc.stack;
  const writer = stopOnTeardown(t, ModelClient.start<WriterResult>(sc, figures));
  const monitor = stopOnTeardown(t, new WritableMasters(sc));
  await writer.flowing('writes before the loss', 100);
  const master = await masterTask(sc);
  const agent = master.agent;
  const lost = model.tasks().filter((x) => x.agent === agent && x.proc.running);
  const timerMs = model.ms(unreachableAfterSeconds);
  const unreachable = nextEvent<[ModelAgent]>(model, 'agent-unreachable', (a) => a === agent, 'Mesos to call the agent unreachable', timerMs + 120000);
  const lostAt = Date.now();
  model.killAgent(agent.id);
  await writer.flowing("writes after the master's agent died", 30);
  await unreachable;
  const unreachableAfterMs = Date.now() - lostAt;
  const apps = [...new Set(lost.map((x) => x.appId))];
  await waitFor(
    'a replacement of every lost task, running and healthy',
    () =>
      apps.every(
        (app) => model.tasks(app).filter((x) => x.state === 'running' && x.health === 'healthy' && x.proc.running).length === model.definition(app).instances,
      ),
    120000,
    200,
  );
  const replacedAfterMs = Date.now() - lostAt;
  await waitSteady(sc);
  await writer.flowing('writes once steady', 30);
  const r = await writer.stop();
  const m = await monitor.stop();
  recordFigures(t, figures, {
    unreachableAfterMs,
    replacedAfterMs,
    acked: r.acked,
    failed: r.failed,
    lost: r.lost,
    writeOutageMs: outageAround(r, lostAt),
  });
  t.true(
    unreachableAfterMs >= timerMs - 500,
    `unreachable after the platform's ${unreachableAfterSeconds} s (scaled: ${timerMs} ms), not before: ${unreachableAfterMs} ms`,
  );
  for (const app of [REDIS, SENTINEL, WATCHER]) t.deepEqual(uniqueViolations(model, app), [], `${app}: hostname:UNIQUE`);
  t.true(
    model.tasks(REDIS).every((x) => x.agent.attributes.redis_zk === 'true'),
    'redis only on labelled agents',
  );
  checkNoLoss(t, r, m);
}
