import test from 'ava';
import {
  constraintViolation,
  DCOS_PORTS,
  freeRanges,
  MESOS_DEFAULT_PORTS,
  type Offer,
  pickPorts,
  type Placed,
  placeTask,
  type PlacementRequest,
} from '../../packages/local-stack/src/agents';

const offer = (agentId: string, o: Partial<Offer> = {}): Offer => ({
  agentId,
  hostname: `10.0.0.${agentId.slice(-1)}`,
  attributes: {},
  cpus: 4,
  mem: 8192,
  disk: 65536,
  ports: MESOS_DEFAULT_PORTS,
  ...o,
});
const on = (hostname: string, attributes: Record<string, string> = {}): Placed => ({ hostname, attributes });
const req = (o: Partial<PlacementRequest> = {}): PlacementRequest => ({
  cpus: 0.5,
  mem: 128,
  disk: 0,
  portDefinitions: [{ port: 0, protocol: 'tcp' }],
  requirePorts: false,
  constraints: [],
  ...o,
});
const first = () => 0; // always the lowest free port

test('freeRanges takes used ports out of the ranges', (t) => {
  const cases: Array<[Array<readonly [number, number]>, number[], Array<[number, number]>]> = [
    [[[31000, 32000]], [], [[31000, 32000]]],
    [[[31000, 32000]], [31000], [[31001, 32000]]],
    [
      [[31000, 32000]],
      [32000, 31500],
      [
        [31000, 31499],
        [31501, 31999],
      ],
    ],
    [[[1, 3]], [1, 2, 3], []],
    [
      [
        [1, 3],
        [10, 12],
      ],
      [2, 11, 99],
      [
        [1, 1],
        [3, 3],
        [10, 10],
        [12, 12],
      ],
    ],
  ];
  for (const [ranges, used, want] of cases) t.deepEqual(freeRanges(ranges, used), want, `${JSON.stringify(ranges)} less ${used}`);
});

test('pickPorts: requirePorts takes exactly the ports named, or says which are not offered', (t) => {
  const cases: Array<[PlacementRequest['portDefinitions'], boolean, ReadonlyArray<readonly [number, number]>, number[] | RegExp]> = [
    [[{ port: 8080, protocol: 'tcp' }], true, MESOS_DEFAULT_PORTS, /port 8080 not offered \(free: \[31000-32000\]\)/],
    [[{ port: 8080, protocol: 'tcp' }], true, DCOS_PORTS, /port 8080 not offered/],
    [[{ port: 8082, protocol: 'tcp' }], true, DCOS_PORTS, [8082]],
    [
      [
        { port: 31005, protocol: 'tcp' },
        { port: 31006, protocol: 'tcp' },
      ],
      true,
      MESOS_DEFAULT_PORTS,
      [31005, 31006],
    ],
    [[{ port: 8080, protocol: 'tcp' }], false, MESOS_DEFAULT_PORTS, [31000]], // a service port: the host port is dynamic
    [
      [
        { port: 0, protocol: 'tcp' },
        { port: 0, protocol: 'tcp' },
      ],
      false,
      [[5, 6]],
      [5, 6],
    ],
    [
      [
        { port: 0, protocol: 'tcp' },
        { port: 0, protocol: 'tcp' },
      ],
      false,
      [[5, 5]],
      /2 ports needed, 1 free/,
    ],
    [[], false, [], []],
  ];
  for (const [portDefinitions, requirePorts, free, want] of cases) {
    const got = pickPorts({ portDefinitions, requirePorts }, free, first);
    if (want instanceof RegExp) t.regex(String(got), want);
    else t.deepEqual(got, want);
  }
});

test('pickPorts picks distinct random ports from the free ranges', (t) => {
  const values = [0.99, 0.99, 0.99];
  const got = pickPorts(
    {
      portDefinitions: [
        { port: 0, protocol: 'tcp' },
        { port: 0, protocol: 'tcp' },
        { port: 0, protocol: 'tcp' },
      ],
      requirePorts: false,
    },
    [
      [10, 11],
      [20, 20],
    ],
    () => values.shift()!,
  );
  t.deepEqual(got, [20, 11, 10]);
});

test('constraints: UNIQUE, MAX_PER, CLUSTER, IS, LIKE, UNLIKE on hostname and attributes', (t) => {
  const a = on('a', { rack: 'r1' });
  const b = on('b', { rack: 'r1' });
  const c = on('c', { rack: 'r2' });
  const cases: Array<[string, Parameters<typeof constraintViolation>[0], Placed, Placed[], boolean]> = [
    ['UNIQUE hostname, empty', { field: 'hostname', operator: 'UNIQUE' }, a, [], true],
    ['UNIQUE hostname, other host used', { field: 'hostname', operator: 'UNIQUE' }, a, [b], true],
    ['UNIQUE hostname, this host used', { field: 'hostname', operator: 'UNIQUE' }, a, [a], false],
    ['UNIQUE rack', { field: 'rack', operator: 'UNIQUE' }, a, [b], false],
    ['MAX_PER 2 hostname, one there', { field: 'hostname', operator: 'MAX_PER', value: '2' }, a, [a, b], true],
    ['MAX_PER 2 hostname, two there', { field: 'hostname', operator: 'MAX_PER', value: '2' }, a, [a, a], false],
    ['MAX_PER 2 rack', { field: 'rack', operator: 'MAX_PER', value: '2' }, c, [a, b], true],
    ['CLUSTER rack r2', { field: 'rack', operator: 'CLUSTER', value: 'r2' }, a, [], false],
    ['CLUSTER rack without value follows the first', { field: 'rack', operator: 'CLUSTER' }, b, [a], true],
    ['IS', { field: 'hostname', operator: 'IS', value: 'a' }, a, [], true],
    ['LIKE', { field: 'rack', operator: 'LIKE', value: 'r[12]' }, c, [], true],
    ['LIKE is a full match', { field: 'rack', operator: 'LIKE', value: 'r' }, c, [], false],
    ['UNLIKE', { field: 'rack', operator: 'UNLIKE', value: 'r1' }, a, [], false],
    ['missing attribute', { field: 'zone', operator: 'UNIQUE' }, a, [], false],
    ['UNLIKE on a missing attribute', { field: 'zone', operator: 'UNLIKE', value: 'z1' }, a, [], true],
  ];
  for (const [name, c1, where, placed, allowed] of cases) t.is(constraintViolation(c1, where, placed) === undefined, allowed, name);
});

test('placeTask: first offer that fits resources, constraints and ports; else waiting with every reason', (t) => {
  const unique = req({ constraints: [{ field: 'hostname', operator: 'UNIQUE' }] });
  const offers = [offer('agent-1'), offer('agent-2'), offer('agent-3')];
  const cases: Array<[string, PlacementRequest, Offer[], Placed[], string | RegExp]> = [
    ['first fits', unique, offers, [], 'agent-1'],
    ['UNIQUE skips used hosts', unique, offers, [on('10.0.0.1'), on('10.0.0.2')], 'agent-3'],
    [
      'UNIQUE with every host used waits',
      unique,
      offers,
      [on('10.0.0.1'), on('10.0.0.2'), on('10.0.0.3')],
      /no offer matches: agent-1 \(10\.0\.0\.1\): hostname:UNIQUE: an instance is already on hostname 10\.0\.0\.1; agent-2/,
    ],
    ['memory', req({ mem: 4096 }), [offer('agent-1', { mem: 1024 }), offer('agent-2')], [], 'agent-2'],
    ['too little cpu anywhere', req({ cpus: 8 }), offers, [], /insufficient cpus \(8 asked, 4 offered\)/],
    ['a required port no agent offers', req({ requirePorts: true, portDefinitions: [{ port: 8080, protocol: 'tcp' }] }), offers, [], /port 8080 not offered/],
    [
      'a required port one agent has free',
      req({ requirePorts: true, portDefinitions: [{ port: 31000, protocol: 'tcp' }] }),
      [offer('agent-1', { ports: [[31001, 32000]] }), offer('agent-2')],
      [],
      'agent-2',
    ],
    ['no offers at all', unique, [], [], 'no agent offers resources'],
  ];
  for (const [name, r, os, placed, want] of cases) {
    const got = placeTask(r, os, placed, first);
    if ('waiting' in got) {
      if (typeof want === 'string' && want.startsWith('agent-')) t.fail(`${name}: waiting (${got.waiting})`);
      else if (want instanceof RegExp) t.regex(got.waiting, want, name);
      else t.is(got.waiting, want, name);
    } else t.is(got.agentId, String(want), name);
  }
});
