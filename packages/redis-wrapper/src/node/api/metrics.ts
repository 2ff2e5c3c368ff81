import { Counter, Gauge, Registry } from 'prom-client';
import type { NodeCounters } from '../counters';
import { readiness } from '../health';
import type { TakenView } from '../role-loop';

export interface NodeMetricsInputs {
  /** The node loop's last view (undefined before its first tick). */
  view: () => TakenView | undefined;
  counters: NodeCounters;
}

/** The node API's metrics (exported for the monitoring test: every metric the rules use exists). */
export function nodeMetrics(inputs: NodeMetricsInputs): Registry {
  const registry = new Registry();
  const counted = (name: string, help: string, value: (c: NodeCounters) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(value(inputs.counters));
      },
    });
  counted('redis_zk_node_repoints_total', "Times this replica was re-pointed to the set's master by the node loop", (c) => c.repoints);
  counted('redis_zk_node_fences_total', 'Times this node, a stale master, demoted itself', (c) => c.fences);
  counted('redis_zk_node_recovery_attempts_total', 'Recoveries of a set Sentinel left without a master, attempted', (c) => c.recoveryAttempts);
  counted(
    'redis_zk_node_write_pauses_total',
    'Times this master paused its writes: cut off from ZooKeeper and a Sentinel majority, or being failed over from',
    (c) => c.writePauses,
  );
  counted('redis_zk_node_recoveries_total', 'Recoveries in which this node became the master', (c) => c.recoveries);
  const gauge = (name: string, help: string, value: (v: TakenView) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const v = inputs.view();
        if (v) this.set(value(v));
      },
    });
  gauge('redis_zk_node_is_master', '1 while the local redis-server is a master', (v) => (v.local?.role === 'master' ? 1 : 0));
  gauge('redis_zk_node_link_up', "1 while this replica's link to its master is up (1 for a master)", (v) =>
    v.local?.role === 'master' || v.local?.linkUp ? 1 : 0,
  );
  gauge('redis_zk_node_masterless_seconds', 'How long this node has known no live master of its set', (v) => v.masterlessForMs / 1000);
  gauge('redis_zk_node_ready', '1 while /readiness passes', (v) => (readiness(v).ok ? 1 : 0));
  return registry;
}
