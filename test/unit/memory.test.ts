import test from 'ava';
import { decideMemory, type MemoryInputs, setsDirective } from '../../packages/redis-wrapper/src/memory';

const MB = 1024 * 1024;
const none: MemoryInputs = { maxmemory: undefined, policy: undefined, taskMemMb: undefined, base: { maxmemory: false, policy: false } };

const cases: Array<{ title: string; input: Partial<MemoryInputs>; lines: Array<[string, string]> }> = [
  {
    title: 'Marathon 1024 MB: half of what the wrapper leaves, noeviction',
    input: { taskMemMb: 1024 },
    lines: [
      ['maxmemory', String(448 * MB)],
      ['maxmemory-policy', 'noeviction'],
    ],
  },
  {
    title: 'Marathon 4096 MB',
    input: { taskMemMb: 4096 },
    lines: [
      ['maxmemory', String(1984 * MB)],
      ['maxmemory-policy', 'noeviction'],
    ],
  },
  {
    title: 'the smallest task that holds data (160 MB)',
    input: { taskMemMb: 160 },
    lines: [
      ['maxmemory', String(16 * MB)],
      ['maxmemory-policy', 'noeviction'],
    ],
  },
  { title: 'outside Marathon: no limit, noeviction', input: {}, lines: [['maxmemory-policy', 'noeviction']] },
  {
    title: 'REDIS_MAXMEMORY a size wins',
    input: { taskMemMb: 1024, maxmemory: { bytes: 700 * MB } },
    lines: [
      ['maxmemory', String(700 * MB)],
      ['maxmemory-policy', 'noeviction'],
    ],
  },
  {
    title: 'REDIS_MAXMEMORY 0: no limit',
    input: { taskMemMb: 1024, maxmemory: { bytes: 0 } },
    lines: [
      ['maxmemory', '0'],
      ['maxmemory-policy', 'noeviction'],
    ],
  },
  {
    title: 'REDIS_MAXMEMORY a share of the task',
    input: { taskMemMb: 1000, maxmemory: { percent: 25 } },
    lines: [
      ['maxmemory', String(250 * MB)],
      ['maxmemory-policy', 'noeviction'],
    ],
  },
  {
    title: 'REDIS_CONF sets maxmemory: kept',
    input: { taskMemMb: 1024, base: { maxmemory: true, policy: false } },
    lines: [['maxmemory-policy', 'noeviction']],
  },
  { title: 'REDIS_CONF sets the policy: kept', input: { taskMemMb: 1024, base: { maxmemory: false, policy: true } }, lines: [['maxmemory', String(448 * MB)]] },
  {
    title: 'REDIS_MAXMEMORY_POLICY wins over REDIS_CONF',
    input: { policy: 'allkeys-lru', base: { maxmemory: true, policy: true } },
    lines: [['maxmemory-policy', 'allkeys-lru']],
  },
];

for (const c of cases) {
  test(`memory: ${c.title}`, (t) => {
    const d = decideMemory({ ...none, ...c.input });
    if (!d.ok) return t.fail(d.problem);
    t.deepEqual(d.lines, c.lines);
    t.truthy(d.reason);
  });
}

const refused: Array<{ title: string; input: Partial<MemoryInputs>; says: RegExp }> = [
  {
    title: 'a task too small to hold data',
    input: { taskMemMb: 156 },
    says: /MARATHON_APP_RESOURCE_MEM=156 MB leaves no room for data.*at least 160 MB or set REDIS_MAXMEMORY/,
  },
  { title: 'a share outside Marathon', input: { maxmemory: { percent: 40 } }, says: /REDIS_MAXMEMORY=40%: a share needs MARATHON_APP_RESOURCE_MEM/ },
  { title: "a size over the task's memory", input: { taskMemMb: 1024, maxmemory: { bytes: 2048 * MB } }, says: /more than the task's memory/ },
];

for (const c of refused) {
  test(`memory refused: ${c.title}`, (t) => {
    const d = decideMemory({ ...none, ...c.input });
    if (d.ok) return t.fail(JSON.stringify(d.lines));
    t.regex(d.problem, c.says);
  });
}

test('setsDirective: set, commented out, and maxmemory-policy is not maxmemory', (t) => {
  t.true(setsDirective('appendonly yes\nmaxmemory 100mb\n', 'maxmemory'));
  t.true(setsDirective('  MAXMEMORY 1gb', 'maxmemory'));
  t.false(setsDirective('# maxmemory 100mb\n', 'maxmemory'));
  t.false(setsDirective('maxmemory-policy allkeys-lru\n', 'maxmemory'));
  t.true(setsDirective('maxmemory-policy allkeys-lru\n', 'maxmemory-policy'));
});
