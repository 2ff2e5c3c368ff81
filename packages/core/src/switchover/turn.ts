import type { Logger } from '../log';
import { sleep } from '../time';
import type { Directory, HandoverHandle } from '../zk/directory';

const TURN_POLL_MS = 200;

/**
 * One switchover of a set at a time: a second one overlapping the first could hold replicas at
 * priority 0 for a master the first has already moved (nemesis seed 1472279534: three operator
 * switchovers overlapped, and the third still excluded the freshest replica when the master
 * died). The claim goes into ZooKeeper's queue for the set; with switchovers ahead, `wait`
 * (a master's SIGTERM: its stop may follow the other) waits until they end, bounded by
 * `deadline`; without it (an operator's command) it is refused at once, naming who is ahead.
 */
export async function takeTurn(
  dir: Directory,
  name: string,
  o: { by: string; wait: boolean; deadline: number; log: Logger },
): Promise<{ ok: true; claim: HandoverHandle } | { ok: false; reason: string }> {
  let claim: HandoverHandle;
  try {
    claim = await dir.openHandover(name, { by: o.by, at: Date.now(), excluded: [] });
  } catch (err) {
    return { ok: false, reason: `could not record the switchover in ZooKeeper (${String(err)})` };
  }
  let logged = false;
  for (;;) {
    const ahead = await claim.ahead().catch(() => null);
    if (ahead?.length === 0) return { ok: true, claim };
    const who = ahead?.[0] ? `by ${ahead[0].by} since ${new Date(ahead[0].at).toISOString()}` : 'ZooKeeper did not answer';
    if (!o.wait || Date.now() >= o.deadline) {
      await claim.close();
      return {
        ok: false,
        reason: o.wait
          ? `another switchover of ${name} did not end in time (${who})`
          : `another switchover of ${name} is under way (${who}); try again once it ends`,
      };
    }
    if (!logged) o.log.info({ reason: `another switchover of ${name} is under way (${who})` }, 'waiting for the switchover ahead to end');
    logged = true;
    await sleep(TURN_POLL_MS);
  }
}
