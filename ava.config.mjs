// ava's configuration (a file, not package.json, because sortTestFiles is a function).
//
// The suite is mostly waiting on real servers' timers (Sentinel's down-after, failovers): four
// files at a time keep 2 cores busy (idle 5% on average in a full run: 893 s, against 1009 s with
// three). The longest files start first, so the run does not end with one of them alone
// (longest-first scheduling); the rest keep their path order, the unit tests last.
const LONGEST_FIRST = [
  'chaos/nemesis',
  'chaos/nemesis-more',
  'chaos/marathon-deploy-upgrade',
  'chaos/self-healing-rolling',
  'chaos/nemesis-model',
  'chaos/self-healing-promoted',
  'chaos/self-healing-quick-kill',
  'chaos/marathon-agent-loss-partition',
  'chaos/marathon-zookeeper-cold-restart',
  'chaos/crash-failover',
  'chaos/bad-data',
  'chaos/mass-start',
  'chaos/marathon-dcos-open',
  'chaos/watcher-chaos',
  'chaos/freshest-data',
  'chaos/planned-switchover',
  'chaos/partition',
  'chaos/zookeeper-outage',
  'chaos/switchover-interrupted',
  'chaos/sentinel-churn',
  'chaos/hostile-records',
];
const rank = (file) => {
  const i = LONGEST_FIRST.findIndex((name) => file.endsWith(`test/${name}.test.ts`));
  if (i !== -1) return i;
  // The unit tests (a second or two each) last: they fill the slots the integration tests leave.
  return file.includes('/test/unit/') ? LONGEST_FIRST.length + 1 : LONGEST_FIRST.length;
};

export default {
  files: ['test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  concurrency: 4,
  // ava's timeout is for inactivity (no test finishing anywhere); every wait in a test is bounded
  // on its own, and a file of 20 rounds can run for minutes with no test finishing.
  timeout: '10m',
  sortTestFiles: (a, b) => rank(a) - rank(b) || a.localeCompare(b, 'en', { numeric: true }),
};
