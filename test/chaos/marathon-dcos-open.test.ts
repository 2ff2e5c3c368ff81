import path from 'node:path';
import test from 'ava';
import { PLATFORMS } from '../../packages/local-stack/src/platforms';
import { masterAgentLoss } from '../helpers/agent-loss';
import { uniqueViolations } from '../helpers/model';
import { REDIS, SENTINEL, WATCHER } from '../helpers/model-scenario';
import { ROOT } from '../helpers/processes';
import { scenarioFile } from '../helpers/scenario-file';

/**
 * Marathon scenarios on the DC/OS Open profile (Marathon's features without `secrets`, DC/OS's
 * port ranges, HOST the agent's address, Mesos's agent-unreachable timer at DC/OS's 300 s):
 * marathon/redis-zk-open.json deployed unchanged on 4 labelled agents, then the master's agent
 * lost (scenario 3), a client writing throughout. test/helpers/model-scenario.ts says how time is scaled.
 */
scenarioFile('DC/OS Open: deploy, agent loss', { agents: 4, group: path.join(ROOT, 'marathon', 'redis-zk-open.json'), platform: 'dcos-open' }, (f) => {
  test.serial(
    "Marathon 3 on DC/OS Open: the group deployed unchanged; the master's agent lost, unreachable after DC/OS's 300 s (scaled), " +
      'its tasks replaced on the spare agent under UNIQUE; 0 acknowledged writes lost, never two writable masters',
    async (t) => {
      const sc = f.scenario;
      const { model } = sc.stack;
      t.log(`deployed in ${f.startMs} ms`);
      for (const app of [REDIS, SENTINEL, WATCHER]) t.deepEqual(uniqueViolations(model, app), [], `${app}: hostname:UNIQUE once deployed`);
      t.true(
        model.tasks(REDIS).every((x) => x.env.HOST === x.agent.ns.ip && !('LIBPROCESS_IP' in x.env)),
        "HOST the agent's address, no LIBPROCESS_IP (Docker tasks)",
      );
      await masterAgentLoss(t, sc, 'marathon-dcos-open-agent-loss', PLATFORMS['dcos-open'].agentUnreachableAfterSeconds);
      f.passed(t);
    },
  );
});
