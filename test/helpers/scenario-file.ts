import test, { type ExecutionContext } from 'ava';
import { MODEL, skipReason } from './model';
import { type Scenario, type ScenarioOptions, startScenario, stopScenario } from './model-scenario';

/** What a file of Marathon scenarios' tests use. */
export interface ScenarioFile {
  /** The running scenario (started before the file's first test). */
  readonly scenario: Scenario;
  /** How long its start took: the group deployed, healthy and ready. */
  readonly startMs: number;
  /** Call at a test's end: a test that got there with every assertion passed (else the model's files are kept). */
  passed(t: ExecutionContext): void;
  /** Stops the scenario and starts another on the same agents (count, labels, platform, offer order), from `group` (a Marathon group file). */
  restart(t: ExecutionContext, group: string): Promise<Scenario>;
}

/**
 * One file of Marathon scenarios (test/chaos/marathon-*.test.ts): skipped, with the reason, where
 * the model cannot run here; else the shipped group on `agents` agents (a count, or the count with
 * startScenario's options: `labelled`, `platform`, `offerOrder`, `group`), started before the
 * file's tests and stopped after them, its files kept for a look unless every test that ran
 * passed. `declare` declares the (serial) tests.
 */
export function scenarioFile(what: string, agents: number | ({ agents: number } & ScenarioOptions), declare: (f: ScenarioFile) => void): void {
  const { agents: count, ...options } = typeof agents === 'number' ? { agents } : agents;
  if (!MODEL.ok) {
    test.skip(`Marathon scenarios (${what}): skipped, ${skipReason}`, () => undefined);
    return;
  }
  let s: Scenario | undefined;
  let startMs = 0;
  // Counted here: ava's t.passed in an after hook is the hook's own, not the tests'.
  let started = 0;
  let completed = 0;
  const start = async (group?: string) => {
    const at = Date.now();
    s = await startScenario(count, group ? { ...options, group } : options);
    startMs = Date.now() - at;
    return s;
  };
  test.before(() => start());
  test.beforeEach(() => {
    started += 1;
  });
  test.after.always(async (t) => stopScenario(s, completed === started, (m) => t.log(m)));
  declare({
    get scenario() {
      if (!s) throw new Error('no scenario running (its start failed)');
      return s;
    },
    get startMs() {
      return startMs;
    },
    passed: (t) => {
      if (t.passed) completed += 1;
    },
    restart: async (t, group) => {
      // The test calling this has started, not completed: the others decide whether files are kept.
      await stopScenario(s, completed === started - 1, (m) => t.log(m));
      s = undefined;
      return start(group);
    },
  });
}
