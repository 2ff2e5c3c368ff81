import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { parse } from 'yaml';
import { nodeMetrics } from '../packages/redis-wrapper/src/node/api/metrics';
import { newCounters } from '../packages/redis-wrapper/src/node/counters';
import { HistoryCounts, registerHistoryMetrics } from '../packages/watcher/src/history-metrics';
import { createMetrics, registerSetGauges } from '../packages/watcher/src/metrics';
import type { Directory } from '@redis-zk/core';
import { ROOT } from './helpers/processes';
import './helpers/exit-guard'; // fails this file if its worker outlives its tests

/** Every metric name the programs export: the watcher's (with its per-set, history and HTTP metrics) and the node API's. */
function exportedNames(): Set<string> {
  const watcher = createMetrics();
  registerSetGauges(watcher.registry, async () => ({}));
  registerHistoryMetrics(watcher.registry, { counts: new HistoryCounts({} as Directory, () => []), staleSeconds: () => 0 });
  const node = nodeMetrics({ view: () => undefined, counters: newCounters() });
  const names = new Set<string>();
  for (const m of [...watcher.registry.getMetricsAsArray(), ...node.getMetricsAsArray()]) names.add(m.name);
  return names;
}

const used = (expr: string) => [...expr.matchAll(/\b(redis_zk_[a-z0-9_]+)\b/g)].map((m) => m[1]!);

interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

test('the Prometheus alert rules parse, and every rule is complete', (t) => {
  const doc = parse(fs.readFileSync(path.join(ROOT, 'monitoring', 'alerts.yml'), 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> };
  const rules = doc.groups.flatMap((g) => g.rules);
  const names = rules.map((r) => r.alert);
  for (const wanted of ['RedisZkNoMaster', 'RedisZkSentinelQuorumLost', 'RedisZkReplicaLagging', 'RedisZkZooKeeperAway', 'RedisZkFailoverHappened'])
    t.true(names.includes(wanted), wanted);
  t.is(new Set(names).size, names.length, 'alert names are unique');
  for (const r of rules) {
    t.truthy(r.alert && r.expr, JSON.stringify(r));
    t.true(['critical', 'warning', 'info'].includes(r.labels?.severity ?? ''), `${r.alert}: severity`);
    t.truthy(r.annotations?.summary, `${r.alert}: summary`);
    if (r.for !== undefined) t.regex(r.for, /^\d+[smh]$/, `${r.alert}: for`);
    let depth = 0;
    for (const c of r.expr!) {
      depth += c === '(' || c === '{' ? 1 : c === ')' || c === '}' ? -1 : 0;
      t.true(depth >= 0, `${r.alert}: brackets`);
    }
    t.is(depth, 0, `${r.alert}: brackets balance`);
  }
});

test('every metric the alert rules and the dashboard use is exported by the programs', async (t) => {
  const exported = exportedNames();
  const doc = parse(fs.readFileSync(path.join(ROOT, 'monitoring', 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> };
  const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'monitoring', 'grafana-dashboard.json'), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    templating: { list: Array<{ type: string; query?: unknown }> };
    annotations: { list: Array<{ expr?: string }> };
  };
  const exprs = [
    ...doc.groups.flatMap((g) => g.rules.map((r) => [`rule ${r.alert}`, r.expr!] as const)),
    ...dashboard.panels.flatMap((p) => p.targets.map((x) => [`panel ${p.title}`, x.expr] as const)),
    ...dashboard.templating.list.flatMap((v) => (v.type === 'query' && typeof v.query === 'string' ? [['variable', v.query] as const] : [])),
    ...dashboard.annotations.list.flatMap((a) => (a.expr ? [['annotation', a.expr] as const] : [])),
  ];
  t.true(exprs.length > 10);
  for (const [where, expr] of exprs) {
    const metrics = used(expr);
    t.true(metrics.length > 0, `${where} uses a redis-zk metric`);
    for (const m of metrics)
      t.true(
        exported.has(m),
        `${where}: ${m} is not exported (exported: ${[...exported].filter((n) => n.startsWith('redis_zk_') && !n.startsWith('redis_zk_watcher_')).join(', ')})`,
      );
  }
});

test('the dashboard is Grafana JSON: unique panel ids, a Prometheus datasource variable, every panel on it', (t) => {
  const d = JSON.parse(fs.readFileSync(path.join(ROOT, 'monitoring', 'grafana-dashboard.json'), 'utf8')) as {
    uid: string;
    panels: Array<{ id: number; datasource: { uid: string }; gridPos: object }>;
    templating: { list: Array<{ name: string; type: string }> };
  };
  t.is(d.uid, 'redis-zk');
  t.is(new Set(d.panels.map((p) => p.id)).size, d.panels.length);
  t.true(d.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
  for (const p of d.panels) {
    t.is(p.datasource.uid, `$${'{'}datasource}`);
    t.truthy(p.gridPos);
  }
});
