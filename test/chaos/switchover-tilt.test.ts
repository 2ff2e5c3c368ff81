import test from 'ava';
import { startCli } from '../helpers/cli';
import { TestEnv } from '../helpers/env';
import { ask } from '../helpers/sentinel';
import { sleep, waitFor } from '../helpers/wait';

// A Sentinel whose clock jumped by more than 2 s (a freeze, a stalled host) is in TILT for 30 s:
// it accepts SENTINEL FAILOVER but acts only when TILT ends. Asked to lead a switchover, it kept
// the writes paused that long (nemesis seed 1931729023: 28 s). The handover leaves a sentinel in
// TILT out and lets another lead.

const inTilt = async (port: number): Promise<boolean> => /^sentinel_tilt:1\s*$/m.test(String(await ask(port, 'INFO', 'sentinel').catch(() => '')));

test('a switchover is not led by a sentinel in TILT', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 0 });
  // The handover asks the last ready sentinel in list order (by address) first: put that one in TILT.
  const leader = [...d.sentinels].sort((a, b) => a.port - b.port).at(-1)!;
  leader.proc.killGroup('SIGSTOP'); // wrapper and redis-sentinel: a frozen task
  let resumed = false;
  const resume = () => {
    if (!resumed) leader.proc.killGroup('SIGCONT');
    resumed = true;
  };
  t.teardown(resume);
  await sleep(3000); // the fault: a freeze longer than Sentinel's 2 s TILT trigger
  resume();
  await waitFor(`sentinel ${leader.address} to enter TILT`, () => inTilt(leader.port), 10_000, 100);

  const run = startCli(env, '--verbose', 'switchover', 'mymaster', '--timeout', '40000');
  const r = await run.done;
  t.is(r.code, 0, r.err);
  t.regex(r.out, /switched over from/);
  const done = r.err.split('\n').find((l) => l.includes('switched over; the old master is now a replica'));
  t.truthy(done, 'the handover logged its outcome');
  const led = /"sentinel":"([^"]+)"/.exec(done ?? '')?.[1];
  t.truthy(led);
  t.not(led, leader.address, 'the sentinel in TILT did not lead');
  t.true(await inTilt(leader.port), 'the sentinel left out was still in TILT when the switchover ended');
});
