// Fails a test file whose worker outlives its tests (exit-guard.ts).
import './exit-guard';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { type AppDefinition, parseApp } from '../../packages/local-stack/src/app-definition';
import { MarathonModel, type ModelOptions, type ModelTask } from '../../packages/local-stack/src/marathon-model';
import { netnsSupport } from '../../packages/local-stack/src/netns';
import { ROOT } from './processes';

/** Whether this machine can run the model (root, `ip netns`); the reason in the skip title if not. */
export const MODEL = netnsSupport();
export const skipReason = MODEL.ok ? '' : MODEL.reason;

export const STANDIN = path.join(ROOT, 'test', 'fixtures', 'standin.mts');

/**
 * A model for one test: stopped in teardown, which also checks that nothing of its network is
 * left; its files are kept (and named) if the test failed.
 */
export async function startModel(t: ExecutionContext, o: ModelOptions = {}): Promise<MarathonModel> {
  const model = await MarathonModel.start(o);
  t.teardown(async () => {
    await model.stop({ keepFiles: !t.passed });
    if (!t.passed) t.log(`model files kept in ${model.dir}`);
    const left = model.network.leftovers();
    if (left.length > 0) throw new Error(`left behind: ${left.join(' ')}`);
  });
  return model;
}

/** A stand-in app (test/fixtures/standin.mts, an HTTP server on PORT0), overridden by `raw`. */
export function standinApp(raw: Record<string, unknown>): AppDefinition {
  return parseApp({
    cmd: `exec ${process.execPath} ${STANDIN}`,
    instances: 1,
    cpus: 0.1,
    mem: 64,
    portDefinitions: [{ port: 0, name: 'http' }],
    taskKillGracePeriodSeconds: 2,
    backoffSeconds: 0.5,
    ...raw,
  });
}

/** Every agent has at most one live task of the app (hostname:UNIQUE). */
export function uniqueViolations(model: MarathonModel, appId: string): string[] {
  const seen = new Map<string, string>();
  const bad: string[] = [];
  for (const task of model.tasks(appId)) {
    if (!task.proc.running) continue;
    const other = seen.get(task.agent.id);
    if (other) bad.push(`${task.id} and ${other} both on ${task.agent.id}`);
    seen.set(task.agent.id, task.id);
  }
  return bad;
}

/** Resolves with the first event `name` whose arguments pass `match`, or rejects after timeoutMs naming `what`. */
export function nextEvent<A extends unknown[]>(
  model: MarathonModel,
  name: string,
  match: (...args: A) => boolean,
  what: string,
  timeoutMs = 30000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      model.off(name, on);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const on = (...args: unknown[]) => {
      if (!match(...(args as A))) return;
      clearTimeout(timer);
      model.off(name, on);
      resolve(args as A);
    };
    model.on(name, on);
  });
}

export type { ModelTask };
