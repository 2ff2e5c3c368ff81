import { type Directory, type FailoverStart, type Logger, type ReplicaSelected, SwitchListeners } from '@redis-zk/core';
import type { NodeLoop, TakenView } from './role-loop';

/**
 * What makes the node loop look at the set at once instead of at its next tick: a failover event
 * of this set from any registered sentinel (`+try-failover`, `+selected-slave`, `+promoted-slave`, `+switch-master`), and a change of
 * `masters/<name>` in ZooKeeper (a watch), ZooKeeper being usable again (a master paused while
 * cut off, or resumed from a freeze, is fenced or lifted at once). So `/primary` and `/replica`,
 * which HAProxy checks, follow a failover within moments. Returns `onView` for the loop (it keeps the subscriptions on
 * the registered sentinels) and `stop`.
 */
export function promptLoop(o: { dir: Directory; name: string; loop: () => NodeLoop | undefined; log: Logger }): {
  onView(view: TakenView): void;
  stop(): void;
} {
  const listeners = new SwitchListeners(o.log);
  listeners.on('switch', (e: { name: string; channel: string }) => {
    if (e.name === o.name) o.loop()?.poke(`Sentinel reported ${e.channel}`);
  });
  // A failover's start: a master being failed over from pauses its writes before the promotion (~0.2 s later).
  listeners.on('start', (e: FailoverStart) => {
    if (e.name === o.name && e.channel === '+try-failover') o.loop()?.failoverStarted(e.master, e.via);
  });
  // The replica the leader chose (~1 s before +promoted-slave): a replica of the master it leaves follows it at once.
  listeners.on('selected', (e: ReplicaSelected) => {
    if (e.name === o.name) void o.loop()?.failoverSelected(e);
  });
  let armed = false;
  let stopped = false;
  const arm = () => {
    if (armed || stopped) return;
    armed = true;
    o.dir
      .readMaster(o.name, () => {
        armed = false;
        o.loop()?.poke("ZooKeeper's master changed");
        arm();
      })
      .catch(() => {
        armed = false;
      }); // re-armed when ZooKeeper is back
  };
  // A watch goes with its session; a read that failed left none.
  const rearm = () => {
    if (!armed) arm();
  };
  const unsubscribe = o.dir.onConnection((usable, change) => {
    if (!usable) return;
    if (change === 'new session') {
      // A session that expired while cut off (a partition longer than the session timeout): the
      // set may have moved meanwhile; a master left behind is fenced now, not at the next tick.
      armed = false;
      arm();
      o.loop()?.poke('ZooKeeper is usable again (a new session)');
      return;
    }
    o.loop()?.poke('ZooKeeper is usable again');
    rearm();
  });
  arm();
  return {
    onView: (view) => {
      listeners.update(view.sentinels.map((s) => s.sentinel));
      rearm();
    },
    stop: () => {
      stopped = true;
      unsubscribe();
      listeners.stop();
    },
  };
}
