import type { AppDefinition, Constraint } from './app-definition';

/**
 * Mesos agents' resources and Marathon's placement, as pure functions: an offer is what one
 * agent has left; a task is placed on the first offer that meets its resources, its port needs
 * and its constraints, or waits (Marathon's "waiting for resource offer"), with the reason.
 */

export type PortRange = readonly [number, number];

/** A plain Mesos agent's port resource. */
export const MESOS_DEFAULT_PORTS: readonly PortRange[] = [[31000, 32000]];
/**
 * A DC/OS agent's port resources (dcos-config's default): everything from 1025 to 32000 except
 * the ports DC/OS's own components listen on (2181, 3888, 5050-5051, 8080-8081, 8181).
 */
export const DCOS_PORTS: readonly PortRange[] = [
  [1025, 2180],
  [2182, 3887],
  [3889, 5049],
  [5052, 8079],
  [8082, 8180],
  [8182, 32000],
];

export interface AgentResources {
  cpus: number;
  mem: number;
  disk: number;
  ports: readonly PortRange[];
}
export const DEFAULT_AGENT_RESOURCES: AgentResources = { cpus: 4, mem: 8192, disk: 65536, ports: MESOS_DEFAULT_PORTS };

/** What one agent offers now: its resources less what its tasks use. */
export interface Offer {
  agentId: string;
  hostname: string;
  attributes: Readonly<Record<string, string>>;
  cpus: number;
  mem: number;
  disk: number;
  ports: readonly PortRange[];
}

/** Where an instance of the app already is (what its constraints are checked against). */
export interface Placed {
  hostname: string;
  attributes: Readonly<Record<string, string>>;
}

/** An instance Marathon knows, with the version of the app it runs. */
export interface KnownInstance extends Placed {
  version: string;
}

/**
 * The instances an app's constraints are checked against: those of its current configuration.
 * Marathon ignores instances older than the app's last change of configuration (a restart or a
 * scale is no change): "this way we can place a new instance on an agent that already hosts an
 * old instance that will be killed once a new one is running/healthy/ready"
 * (mesos/ResourceMatcher.scala, meetsAllConstraints). So during an upgrade, hostname:UNIQUE lets a
 * new task start on an agent whose old task is still running or stopping.
 */
export function constraintPeers<T extends KnownInstance>(known: readonly T[], lastConfigChangeVersion: string): T[] {
  return known.filter((i) => i.version >= lastConfigChangeVersion);
}

export type PlacementRequest = Pick<AppDefinition, 'cpus' | 'mem' | 'disk' | 'portDefinitions' | 'requirePorts' | 'constraints'>;
export type Placement = { agentId: string; hostPorts: number[] } | { waiting: string };

export const formatRanges = (ranges: readonly PortRange[]): string => `[${ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}]`;

/** `ranges` without the ports in `used`. */
export function freeRanges(ranges: readonly PortRange[], used: Iterable<number>): PortRange[] {
  const taken = [...new Set(used)].sort((a, b) => a - b);
  const out: PortRange[] = [];
  for (const [lo, hi] of ranges) {
    let start = lo;
    for (const p of taken) {
      if (p < start || p > hi) continue;
      if (p > start) out.push([start, p - 1]);
      start = p + 1;
    }
    if (start <= hi) out.push([start, hi]);
  }
  return out;
}

const inRanges = (ranges: readonly PortRange[], port: number) => ranges.some(([a, b]) => port >= a && port <= b);

/**
 * Host ports for the task from the free ranges, or why not. requirePorts: exactly the ports the
 * definition names. Otherwise one port per definition, picked at random from what is free (as
 * Marathon does: a task that restarts gets another port).
 */
export function pickPorts(req: Pick<PlacementRequest, 'portDefinitions' | 'requirePorts'>, free: readonly PortRange[], rand: () => number): number[] | string {
  if (req.requirePorts) {
    const missing = req.portDefinitions.map((p) => p.port).filter((p) => !inRanges(free, p));
    return missing.length === 0
      ? req.portDefinitions.map((p) => p.port)
      : `port${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not offered (free: ${formatRanges(free)})`;
  }
  const picked: number[] = [];
  let left = freeRanges(free, []);
  for (let i = 0; i < req.portDefinitions.length; i += 1) {
    const total = left.reduce((n, [a, b]) => n + b - a + 1, 0);
    if (total === 0) return `${req.portDefinitions.length} ports needed, ${picked.length} free`;
    let k = Math.min(total - 1, Math.floor(rand() * total));
    for (const [a, b] of left) {
      if (k <= b - a) {
        picked.push(a + k);
        break;
      }
      k -= b - a + 1;
    }
    left = freeRanges(left, [picked[picked.length - 1]!]);
  }
  return picked;
}

const fieldOf = (field: string, where: Placed): string | undefined => (field === 'hostname' ? where.hostname : where.attributes[field]);

/** Why `c` forbids one more instance on `offer`, or undefined if it allows it. */
export function constraintViolation(c: Constraint, offer: Placed, placed: readonly Placed[]): string | undefined {
  const value = fieldOf(c.field, offer);
  const same = placed.filter((p) => fieldOf(c.field, p) === value).length;
  const say = `${c.field}:${c.operator}${c.value !== undefined ? `:${c.value}` : ''}`;
  if (value === undefined && c.operator !== 'UNLIKE') return `${say}: agent has no ${c.field}`;
  switch (c.operator) {
    case 'UNIQUE':
      return same > 0 ? `${say}: an instance is already on ${c.field} ${value}` : undefined;
    case 'MAX_PER':
      return same >= Number(c.value) ? `${say}: ${same} instances already on ${c.field} ${value}` : undefined;
    case 'CLUSTER': {
      const target = c.value ?? (placed[0] ? fieldOf(c.field, placed[0]) : value);
      return value === target ? undefined : `${say}: ${c.field} is ${value}`;
    }
    case 'IS':
      return value === c.value ? undefined : `${say}: ${c.field} is ${value}`;
    case 'LIKE':
      return new RegExp(`^(?:${c.value})$`).test(value ?? '') ? undefined : `${say}: ${c.field} is ${value}`;
    case 'UNLIKE':
      return value !== undefined && new RegExp(`^(?:${c.value})$`).test(value) ? `${say}: ${c.field} is ${value}` : undefined;
  }
}

/** Why `offer` cannot take the task, or its host ports. */
export function fitOffer(req: PlacementRequest, offer: Offer, placed: readonly Placed[], rand: () => number): number[] | string {
  const short = (['cpus', 'mem', 'disk'] as const).filter((r) => offer[r] + 1e-9 < req[r]);
  if (short.length > 0) return `insufficient ${short.map((r) => `${r} (${req[r]} asked, ${offer[r]} offered)`).join(', ')}`;
  for (const c of req.constraints) {
    const why = constraintViolation(c, offer, placed);
    if (why) return why;
  }
  return pickPorts(req, offer.ports, rand);
}

/**
 * The first offer (in the order given) that can take one more instance, and its host ports; or
 * `waiting` with every offer's reason, the way Marathon reports an app waiting for offers.
 */
export function placeTask(req: PlacementRequest, offers: readonly Offer[], placed: readonly Placed[], rand: () => number = Math.random): Placement {
  const reasons: string[] = [];
  for (const offer of offers) {
    const fit = fitOffer(req, offer, placed, rand);
    if (typeof fit !== 'string') return { agentId: offer.agentId, hostPorts: fit };
    reasons.push(`${offer.agentId} (${offer.hostname}): ${fit}`);
  }
  return { waiting: offers.length === 0 ? 'no agent offers resources' : `no offer matches: ${reasons.join('; ')}` };
}
