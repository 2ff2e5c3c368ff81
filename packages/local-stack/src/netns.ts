import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '@redis-zk/core';
import { pidAlive } from './pid';

/**
 * The model's network: one Linux bridge, and one network namespace per agent plus one for the
 * infrastructure (ZooKeeper, Marathon's own checks, the tests' clients), each joined to the
 * bridge by a veth pair. The bridge has no address on the host and the namespaces have no route
 * but their own /24, so no packet can leave the bridge. The /24 is picked at run time from
 * 198.18.0.0/15 (reserved for benchmarking) so that it overlaps no route or address the machine
 * has. Everything is named `rzk…<run id>…` and the run is recorded (pid, process start time) in
 * STATE_DIR before anything is made, so a later run can tell a dead run's leftovers and remove them.
 */

export const STATE_DIR = '/run/redis-zk-model';
/** Routing tables for blocked ports: this plus the port number (inside the namespace only). */
const BLOCK_TABLE_BASE = 100000;
const RUN_ID = /^[a-z0-9]{6}$/;
const NETNS_NAME = /^rzk-([a-z0-9]{6})-[a-z0-9]+$/;
const LINK_NAME = /^rzk([a-z0-9]{6})(?:br|h\d+|n\d+)$/;

export type Support = { ok: true } | { ok: false; reason: string };
let support: Support | undefined;

function ipCommand(): string | undefined {
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin']) if (fs.existsSync(path.join(dir, 'ip'))) return path.join(dir, 'ip');
  return undefined;
}
export const IP = ipCommand() ?? 'ip';

function run(args: string[], opts: { input?: string } = {}): { ok: boolean; out: string; err: string } {
  const r = spawnSync(IP, args, { encoding: 'utf8', input: opts.input, timeout: 10000 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '').trim() || (r.error ? String(r.error) : '') };
}

function must(args: string[]): string {
  const r = run(args);
  if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.err}`);
  return r.out;
}

/**
 * Whether network namespaces can be made here (Linux, root, iproute2 with `ip netns`), tried
 * once for real; the reason if not, for a test's skip message.
 */
export function netnsSupport(): Support {
  support ??= probeSupport();
  return support;
}

function probeSupport(): Support {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces need root (run as root, as CI does)' };
  if (!ipCommand()) return { ok: false, reason: 'iproute2 is not installed (apt-get install iproute2)' };
  const probe = `rzk-probe${process.pid}`;
  const made = run(['netns', 'add', probe]);
  if (!made.ok) return { ok: false, reason: `\`ip netns add\` fails here: ${made.err}` };
  // A bridge and a veth pair too (kernel modules a container may lack), inside the probe namespace: gone with it.
  const bridge = run(['-n', probe, 'link', 'add', 'probebr', 'type', 'bridge']);
  const veth = bridge.ok ? run(['-n', probe, 'link', 'add', 'probea', 'type', 'veth', 'peer', 'name', 'probeb']) : bridge;
  run(['netns', 'del', probe]);
  if (!veth.ok) return { ok: false, reason: `bridges or veth pairs cannot be made here: ${veth.err}` };
  return { ok: true };
}

// ---- subnets ----------------------------------------------------------------------------------

export interface Cidr {
  net: number;
  bits: number;
}

const toInt = (ip: string): number | undefined => {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
};
export const intToIp = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
const mask = (bits: number): number => (bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0);

export function parseCidr(text: string): Cidr | undefined {
  const [ip, b] = text.split('/');
  const n = toInt(ip ?? '');
  const bits = b === undefined ? 32 : Number(b);
  if (n === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  return { net: (n & mask(bits)) >>> 0, bits };
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a.bits, b.bits);
  return (a.net & mask(bits)) >>> 0 === (b.net & mask(bits)) >>> 0;
}

/**
 * A /24 inside 198.18.0.0/15 that overlaps none of `occupied` (the machine's routes and
 * addresses, and the subnets of other live runs); a default route (/0) is not counted, since the
 * namespaces never use it. Undefined if every /24 is taken.
 */
export function pickSubnet(occupied: readonly string[], rand: () => number = Math.random): string | undefined {
  const taken = occupied.map(parseCidr).filter((c): c is Cidr => c !== undefined && c.bits > 0);
  const base = toInt('198.18.0.0')!;
  const free: number[] = [];
  for (let i = 0; i < 512; i += 1) {
    const candidate = { net: (base + i * 256) >>> 0, bits: 24 };
    if (!taken.some((t) => cidrsOverlap(t, candidate))) free.push(candidate.net);
  }
  if (free.length === 0) return undefined;
  return `${intToIp(free[Math.min(free.length - 1, Math.floor(rand() * free.length))]!)}/24`;
}

const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat', 'anycast']);

/** Every IPv4 destination in the machine's routing tables and every address it has, as CIDRs. */
export function machineRoutes(): string[] {
  const out: string[] = [];
  for (const line of run(['-4', '-o', 'route', 'show', 'table', 'all']).out.split('\n')) {
    const words = line.trim().split(/\s+/);
    const dest = ROUTE_TYPES.has(words[0] ?? '') ? words[1] : words[0];
    if (dest && dest !== 'default' && parseCidr(dest)) out.push(dest);
  }
  for (const m of run(['-4', '-o', 'addr', 'show']).out.matchAll(/inet (\d+\.\d+\.\d+\.\d+\/\d+)/g)) out.push(m[1]!);
  return out;
}

// ---- runs, and their leftovers ------------------------------------------------------------------

interface RunRecord {
  runId: string;
  pid: number;
  startTime: string;
  subnet: string;
  created: string;
}

/** The kernel's start time of a process (field 22 of /proc/<pid>/stat): a pid with another start time is another process. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function readRecords(): Map<string, RunRecord> {
  const records = new Map<string, RunRecord>();
  let files: string[] = [];
  try {
    files = fs.readdirSync(STATE_DIR);
  } catch {
    return records;
  }
  for (const f of files.filter((name) => name.endsWith('.json'))) {
    try {
      const r = JSON.parse(fs.readFileSync(path.join(STATE_DIR, f), 'utf8')) as RunRecord;
      if (RUN_ID.test(r.runId)) records.set(r.runId, r);
    } catch {
      /* being written, or not ours */
    }
  }
  return records;
}

const ownerAlive = (r: RunRecord): boolean => pidAlive(r.pid) && processStartTime(r.pid) === r.startTime;

function listNetns(): string[] {
  return run(['netns', 'list'])
    .out.split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => NETNS_NAME.test(n));
}

function listLinks(): string[] {
  return [...run(['-o', 'link', 'show']).out.matchAll(/^\d+:\s+([^:@\s]+)/gm)].map((m) => m[1]!).filter((n) => LINK_NAME.test(n));
}

function listEtcNetns(): string[] {
  try {
    return fs.readdirSync('/etc/netns').filter((n) => NETNS_NAME.test(n));
  } catch {
    return [];
  }
}

/** Kills every process in a namespace (by pid), then deletes it and its /etc/netns files. */
function removeNetns(name: string): void {
  for (const pid of run(['netns', 'pids', name])
    .out.split('\n')
    .map(Number)
    .filter((p) => p > 0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  run(['netns', 'del', name]);
  fs.rmSync(path.join('/etc/netns', name), { recursive: true, force: true });
}

/**
 * Removes what runs whose process is dead left behind: their namespaces (and any process still
 * in them), veths, bridge, /etc/netns files and record. Returns the run ids swept.
 */
export function sweepLeftovers(log?: Logger): string[] {
  if (!netnsSupport().ok) return [];
  const byRun = new Map<string, { netns: string[]; links: string[] }>();
  const entry = (id: string) => byRun.get(id) ?? byRun.set(id, { netns: [], links: [] }).get(id)!;
  for (const n of [...listNetns(), ...listEtcNetns()]) entry(NETNS_NAME.exec(n)![1]!).netns.push(n);
  for (const l of listLinks()) entry(LINK_NAME.exec(l)![1]!).links.push(l);
  // Records are read after the objects are listed: a run writes its record before making
  // anything, so every object listed here that belongs to a live run has its record already.
  const records = readRecords();
  for (const id of records.keys()) entry(id);
  // Listed again after the records: a run that ended meanwhile (objects removed, then its record)
  // left nothing, and is not counted as swept.
  const still = new Set([...listNetns(), ...listEtcNetns(), ...listLinks()]);
  const swept: string[] = [];
  for (const [id, found] of byRun) {
    const record = records.get(id);
    if (record && ownerAlive(record)) continue;
    found.netns = found.netns.filter((n) => still.has(n));
    found.links = found.links.filter((l) => still.has(l));
    if (!record && found.netns.length === 0 && found.links.length === 0) continue;
    for (const n of new Set(found.netns)) removeNetns(n);
    // The bridge last: deleting a host-side veth deletes its pair.
    for (const l of found.links.sort((a, b) => Number(a.endsWith('br')) - Number(b.endsWith('br')))) run(['link', 'del', l]);
    fs.rmSync(path.join(STATE_DIR, `${id}.json`), { force: true });
    swept.push(id);
    log?.warn({ run: id, owner: record?.pid, netns: found.netns, links: found.links }, 'removed the leftovers of a dead model run');
  }
  return swept;
}

// ---- one run's network --------------------------------------------------------------------------

/** One namespace on the bridge: an agent or the infrastructure. */
export class Netns {
  constructor(
    readonly name: string,
    /** Its address on the bridge. */
    readonly ip: string,
    /** The host end of its veth pair (a bridge port): down = the link is cut. */
    readonly hostVeth: string,
  ) {}

  /** The command line that runs `cmd` inside this namespace. */
  wrap(cmd: string, args: readonly string[]): [string, string[]] {
    return [IP, ['netns', 'exec', this.name, cmd, ...args]];
  }

  /** Every pid in the namespace now. */
  pids(): number[] {
    return run(['netns', 'pids', this.name])
      .out.split('\n')
      .map(Number)
      .filter((p) => p > 0);
  }
}

export interface NetworkOptions {
  agents: number;
  /** The agents' interface name inside their namespace (what NET_IFACE would name). */
  ifaceName?: string;
  /** Names every namespace's /etc/hosts gives the infrastructure's address (e.g. master.mesos). */
  infraNames?: readonly string[];
  log: Logger;
}

export class ModelNetwork {
  private destroyed = false;
  private readonly cut = new Set<string>();

  private constructor(
    readonly runId: string,
    readonly subnet: string,
    readonly bridge: string,
    readonly infra: Netns,
    readonly agents: readonly Netns[],
    private readonly log: Logger,
  ) {}

  /** Sweeps dead runs' leftovers, then makes this run's bridge and namespaces. */
  static create(o: NetworkOptions): ModelNetwork {
    const s = netnsSupport();
    if (!s.ok) throw new Error(`the Marathon model cannot run here: ${s.reason}`);
    sweepLeftovers(o.log);
    fs.mkdirSync(STATE_DIR, { recursive: true });
    const records = readRecords();
    const runId = crypto.randomBytes(4).readUInt32BE(0).toString(36).padStart(6, '0').slice(-6);
    const subnet = pickSubnet([...machineRoutes(), ...[...records.values()].filter(ownerAlive).map((r) => r.subnet)]);
    if (!subnet) throw new Error('no free /24 in 198.18.0.0/15 for the model network');
    // Recorded before anything is made: a sweep by another run never takes a live run's objects.
    const record: RunRecord = { runId, pid: process.pid, startTime: processStartTime(process.pid) ?? '', subnet, created: new Date().toISOString() };
    // Written whole or not at all (rename), so a sweep never reads half a record.
    const file = path.join(STATE_DIR, `${runId}.json`);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(record));
    fs.renameSync(`${file}.tmp`, file);
    const base = parseCidr(subnet)!.net;
    const infra = new Netns(`rzk-${runId}-infra`, intToIp(base + 2), `rzk${runId}h0`);
    const agents = Array.from({ length: o.agents }, (_, i) => new Netns(`rzk-${runId}-a${i + 1}`, intToIp(base + 11 + i), `rzk${runId}h${i + 1}`));
    const net = new ModelNetwork(runId, subnet, `rzk${runId}br`, infra, agents, o.log);
    try {
      net.build(o);
    } catch (err) {
      net.destroy();
      throw err;
    }
    o.log.info({ run: runId, subnet, bridge: net.bridge, infra: infra.ip, agents: agents.map((a) => a.ip) }, 'model network up');
    return net;
  }

  private build(o: NetworkOptions): void {
    const iface = o.ifaceName ?? 'eth0';
    const v6off = (dev: string) => fs.writeFileSync(`/proc/sys/net/ipv6/conf/${dev}/disable_ipv6`, '1');
    must(['link', 'add', this.bridge, 'type', 'bridge']);
    // No address on the host, not even an IPv6 link-local one.
    v6off(this.bridge);
    must(['link', 'set', this.bridge, 'up']);
    const hosts = [
      '127.0.0.1 localhost',
      `${this.infra.ip} ${['infra', ...(o.infraNames ?? [])].join(' ')}`,
      ...this.agents.map((a, i) => `${a.ip} agent-${i + 1}`),
    ].join('\n');
    [this.infra, ...this.agents].forEach((ns, i) => {
      must(['netns', 'add', ns.name]);
      // `ip netns exec` mounts these over /etc/hosts and /etc/resolv.conf: names resolve
      // locally, and a lookup of anything else asks the namespace's own loopback, not the
      // machine's resolver.
      const etc = path.join('/etc/netns', ns.name);
      fs.mkdirSync(etc, { recursive: true });
      fs.writeFileSync(path.join(etc, 'hosts'), `${hosts}\n`);
      fs.writeFileSync(path.join(etc, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
      const inner = `rzk${this.runId}n${i}`;
      must(['link', 'add', ns.hostVeth, 'type', 'veth', 'peer', 'name', inner]);
      v6off(ns.hostVeth);
      must(['link', 'set', inner, 'netns', ns.name]);
      must(['netns', 'exec', ns.name, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6']);
      must(['-n', ns.name, 'link', 'set', inner, 'name', iface]);
      must(['-n', ns.name, 'addr', 'add', `${ns.ip}/24`, 'dev', iface]);
      must(['-n', ns.name, 'link', 'set', 'lo', 'up']);
      must(['-n', ns.name, 'link', 'set', iface, 'up']);
      must(['link', 'set', ns.hostVeth, 'master', this.bridge, 'up']);
    });
  }

  /**
   * Cuts a namespace off the bridge: its bridge port goes down, so every packet to or from it is
   * dropped silently (its own interface loses carrier but keeps its address and routes, as a host
   * behind a failed switch port does). Connections stay open and time out on their own.
   */
  cutLink(ns: Netns): void {
    must(['link', 'set', ns.hostVeth, 'down']);
    this.cut.add(ns.name);
    this.log.info({ netns: ns.name, ip: ns.ip }, 'link cut');
  }

  healLink(ns: Netns): void {
    must(['link', 'set', ns.hostVeth, 'up']);
    this.cut.delete(ns.name);
    this.log.info({ netns: ns.name, ip: ns.ip }, 'link healed');
  }

  isCut(ns: Netns): boolean {
    return this.cut.has(ns.name);
  }

  /**
   * Drops every TCP packet the namespace sends to `port` on another host (a policy rule sending
   * them to a blackhole table): connections to that service hang or fail, everything else flows,
   * as behind a firewall rule. Gone with the namespace; `unblockTcpPort` lifts it.
   */
  blockTcpPort(ns: Netns, port: number): void {
    const table = String(BLOCK_TABLE_BASE + port);
    must(['-n', ns.name, 'route', 'replace', 'blackhole', 'default', 'table', table]);
    must(['-n', ns.name, 'rule', 'add', 'ipproto', 'tcp', 'dport', String(port), 'lookup', table]);
    this.log.info({ netns: ns.name, port }, 'TCP port blocked');
  }

  unblockTcpPort(ns: Netns, port: number): void {
    run(['-n', ns.name, 'rule', 'del', 'ipproto', 'tcp', 'dport', String(port), 'lookup', String(BLOCK_TABLE_BASE + port)]);
    this.log.info({ netns: ns.name, port }, 'TCP port unblocked');
  }

  /**
   * Removes every namespace (killing, by pid, any process still in one), veth and the bridge,
   * then the run's record. Synchronous, so it can run in an exit hook; idempotent.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const ns of [this.infra, ...this.agents]) {
      removeNetns(ns.name);
      run(['link', 'del', ns.hostVeth]);
    }
    run(['link', 'del', this.bridge]);
    fs.rmSync(path.join(STATE_DIR, `${this.runId}.json`), { force: true });
    this.log.info({ run: this.runId }, 'model network removed');
  }

  /** Names of everything this run made that still exists (for tests: none after destroy). */
  leftovers(): string[] {
    const mine = (n: string) => n.includes(this.runId);
    return [
      ...listNetns().filter(mine),
      ...listLinks().filter(mine),
      ...listEtcNetns().filter(mine),
      ...(fs.existsSync(path.join(STATE_DIR, `${this.runId}.json`)) ? [`${STATE_DIR}/${this.runId}.json`] : []),
    ];
  }
}

/** Every model object on the machine (any run), for tests. */
export function allModelObjects(): string[] {
  return [...listNetns(), ...listLinks(), ...listEtcNetns()];
}
