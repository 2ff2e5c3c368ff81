import {
  type Address,
  compareFreshness,
  formatAddress,
  holdsData,
  isLiveMaster,
  latestHistory,
  type Probe,
  sameAddress,
  sentinelConsensus,
  type SentinelView,
  type StoredMemberRecord,
} from '@redis-zk/core';

/** Everything the election looks at, read under the lock. */
export interface ElectionSnapshot {
  /** This node, as announced. */
  readonly self: Address;
  /** Bytes of persisted data (AOF/RDB) this node would start with. */
  readonly selfDataBytes: number;
  /** This node's data directory, as its member record names it. */
  readonly selfDataId: string;
  /** `masters/{name}`; null when absent or not an address. */
  readonly registered: Address | null;
  /**
   * False when only ZooKeeper's master and the sentinels were read (and probed): enough for
   * rules 1 and 2, which settle almost every start; the other rules need every node probed.
   */
  readonly complete: boolean;
  /** Live registrations under `nodes/{name}` (other than this node). */
  readonly nodes: readonly Address[];
  /** Every probed address: registered, nodes, and the masters they and the sentinels point at. */
  readonly probes: ReadonlyMap<string, Probe>;
  /** Each registered sentinel's view of this set. */
  readonly sentinels: readonly SentinelView[];
  /** Other contenders queued on the election lock, and the data they would start with. */
  readonly contenders: readonly Contender[];
  /**
   * Every member record of the set (complete snapshots only): how far along its history each
   * data directory was when it last published, live or not.
   */
  readonly records: readonly StoredMemberRecord[];
  readonly elapsedMs: number;
  /** 0 = wait forever. */
  readonly timeoutMs: number;
  /**
   * How long an empty node waits, when ZooKeeper shows the set had a master, for a node with
   * data to come back and claim master first (0 = not at all).
   */
  readonly dataWaitMs: number;
  /** This node is never-promote (NEVER_PROMOTE=yes): it yields to any other node with data. */
  readonly selfNeverPromote?: boolean;
  /** This node came back with its data directory wiped (wipedFrom): it never goes ahead of a node with data. */
  readonly selfWiped?: boolean;
}

export interface Contender {
  readonly address: Address;
  readonly dataBytes: number;
  /** Absent when written by an older version. */
  readonly dataId?: string;
  /** A never-promote contender: it waits for the others, so they never wait for it. */
  readonly neverPromote?: boolean;
}

export type Decision =
  | { readonly kind: 'replicate'; readonly master: Address; readonly reason: string }
  | { readonly kind: 'read-more'; readonly reason: string }
  | { readonly kind: 'become-master'; readonly reason: string }
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'give-up'; readonly reason: string };

/**
 * Who this node becomes. The rules, in order:
 * 1. The sentinels (a majority of those that answer) agree on a live master, or ZooKeeper names
 *    a live master: replicate it.
 * 2. ZooKeeper names a node that is now a replica (a failover it has not seen): follow the live
 *    master that node follows, else wait.
 * 3. ZooKeeper's master is dead: while the sentinels fail over, wait; follow the set's only
 *    live master if there is one (among every address probed); while live nodes of the set
 *    remain (data or not), wait.
 * 4. Nothing live anywhere: the data with the longest history wins (member records, see
 *    `freshest`): wait while a contender's is longer, or, for up to `dataWaitMs`, while a node
 *    whose is longer has not come back; an empty node never wins over a contender with data, nor
 *    before `dataWaitMs` when the set existed. A never-promote node (NEVER_PROMOTE) waits while
 *    it is empty, while another node with data is queued or, for up to `dataWaitMs`, has a record, and
 *    the others never wait for it: it becomes master only when it alone holds the data, and its
 *    history, longer or not, gives way to a promotable node's. Otherwise become master.
 * Waiting is bounded: past the timeout the decision is to give up (exit, be restarted).
 */
export function decide(s: ElectionSnapshot): Decision {
  const d = decideUnbounded(s);
  if (d.kind === 'wait' && s.timeoutMs > 0 && s.elapsedMs >= s.timeoutMs) {
    return { kind: 'give-up', reason: `${d.reason}; no safe decision within ${s.timeoutMs} ms` };
  }
  return d;
}

function decideUnbounded(s: ElectionSnapshot): Decision {
  const probe = (a: Address | null | undefined) => (a ? s.probes.get(formatAddress(a)) : undefined);
  const liveMaster = (a: Address | null | undefined) => !!a && !sameAddress(a, s.self) && isLiveMaster(probe(a));
  const consensus = sentinelConsensus(s.sentinels);
  const agreed = liveMaster(consensus.master) ? consensus.master : null;
  const show = (a: Address) => formatAddress(a);

  // 1: Sentinel is the failover authority; ZooKeeper can lag behind it, never lead it.
  if (agreed) {
    const zk = sameAddress(agreed, s.registered) ? 'ZooKeeper agrees' : `ZooKeeper names ${s.registered ? show(s.registered) : 'nothing'}`;
    return { kind: 'replicate', master: agreed, reason: `${consensus.votes}/${consensus.voters} sentinels agree on live master ${show(agreed)}; ${zk}` };
  }
  if (s.registered && liveMaster(s.registered)) {
    return { kind: 'replicate', master: s.registered, reason: `ZooKeeper names ${show(s.registered)}, a live master` };
  }

  // 2
  const reg = probe(s.registered);
  if (s.registered && reg?.reachable && reg.role === 'replica') {
    if (reg.following && liveMaster(reg.following)) {
      return { kind: 'replicate', master: reg.following, reason: `ZooKeeper's ${show(s.registered)} is now a replica of live master ${show(reg.following)}` };
    }
    return { kind: 'wait', reason: `ZooKeeper's ${show(s.registered)} is a replica and no live master is known yet` };
  }

  if (!s.complete) {
    return { kind: 'read-more', reason: "ZooKeeper's master is not live and the sentinels name no live master; every node of the set must be probed" };
  }

  // 3
  if (consensus.failoverInProgress) {
    return { kind: 'wait', reason: 'sentinels are failing over' };
  }
  // Every address anyone mentioned counts: nodes/, what sentinels name, what replicas follow
  // (a node whose registration is late is still a node).
  const others = [...s.probes.values()].map((p) => p.address).filter((a) => !sameAddress(a, s.self));
  const liveMasters = others.filter((n) => liveMaster(n));
  if (liveMasters.length === 1 && liveMasters[0]) {
    return { kind: 'replicate', master: liveMasters[0], reason: `ZooKeeper's master is not live; ${show(liveMasters[0])} is the set's only live master` };
  }
  if (liveMasters.length > 1) {
    return { kind: 'wait', reason: `several live masters (${liveMasters.map(show).join(', ')}); waiting for Sentinel to settle` };
  }
  const live = others.filter((n) => probe(n)?.reachable);
  if (live.length > 0) {
    const withData = live.filter((n) => holdsData(probe(n)));
    return {
      kind: 'wait',
      reason:
        withData.length > 0
          ? `live replicas hold data (${withData.map(show).join(', ')}) and have no live master; waiting for a failover`
          : `live nodes of the set (${live.map(show).join(', ')}) have no live master; waiting for a failover`,
    };
  }

  // 4
  const fresher = freshest(s);
  if (fresher) return fresher;
  const yielded = neverPromoteYields(s);
  if (yielded) return yielded;
  const richer = s.contenders.find((c) => c.dataBytes > 0 && !sameAddress(c.address, s.self));
  const empty = s.selfWiped ? 'this node came back wiped' : 'this node has none';
  if (s.selfDataBytes === 0 && richer) {
    return { kind: 'wait', reason: `nothing live; contender ${show(richer.address)} holds data and ${empty}` };
  }
  if (s.selfDataBytes === 0 && s.registered && s.elapsedMs < s.dataWaitMs) {
    return {
      kind: 'wait',
      reason:
        `nothing live and this node is empty${s.selfWiped ? ' (wiped)' : ''}; the set had a master (${show(s.registered)}), ` +
        `so a node with data gets ${s.dataWaitMs} ms to come back first`,
    };
  }
  const why = s.registered
    ? `ZooKeeper's master ${show(s.registered)} is not live and no live node or sentinel knows another`
    : 'no master registered in ZooKeeper';
  return { kind: 'become-master', reason: `${why}; nothing live in the set` };
}

/**
 * Rule 4's ranking of histories: a wait decision while another data directory's history is
 * longer than this node's and that node is queued (it goes first) or, for up to `dataWaitMs`,
 * not back yet; undefined when this node may go ahead. This node counts only with data on disk.
 */
function freshest(s: ElectionSnapshot): Decision | undefined {
  if (s.records.length === 0) return undefined;
  // A promotable node never waits for a never-promote one's history: that one never goes first.
  const mayLead = (r: StoredMemberRecord | undefined) => !!r && (s.selfNeverPromote || !r.neverPromote);
  const latest = latestHistory(s.records, s.registered);
  const recordOf = (dataId: string | undefined) => (dataId === undefined ? undefined : s.records.find((r) => r.dataId === dataId));
  const own = s.selfDataBytes > 0 ? recordOf(s.selfDataId) : undefined;
  const longerThanOwn = (r: StoredMemberRecord) => !own || compareFreshness(r, own, latest) < 0;
  const describe = (r: StoredMemberRecord) =>
    `${r.dataId} (last at ${formatAddress(r.address)}, ${r.role}, offset ${r.offset}${r.replid === latest ? ', latest history' : ''})`;
  const queued = s.contenders
    .filter((c) => c.dataBytes > 0 && !sameAddress(c.address, s.self))
    .map((c) => ({ c, record: recordOf(c.dataId) }))
    .find((x) => x.record && longerThanOwn(x.record) && mayLead(x.record) && (s.selfNeverPromote || !x.c.neverPromote));
  if (queued?.record) {
    return { kind: 'wait', reason: `nothing live; contender ${formatAddress(queued.c.address)} holds a longer history: ${describe(queued.record)}` };
  }
  const best = s.records.filter((r) => mayLead(r)).sort((a, b) => compareFreshness(a, b, latest))[0];
  if (best && longerThanOwn(best) && s.elapsedMs < s.dataWaitMs) {
    const mine = own ? `this node's is offset ${own.offset}` : s.selfDataBytes > 0 ? 'this node has no record' : 'this node is empty';
    return { kind: 'wait', reason: `nothing live; the longest history is ${describe(best)} (${mine}): it gets ${s.dataWaitMs} ms to come back first` };
  }
  return undefined;
}

/**
 * Rule 4 for a never-promote node: a wait decision while it is empty, while another node with data is queued (it
 * goes first, this node never), or, for up to `dataWaitMs`, while another promotable data
 * directory that has a record is not back; undefined when this node alone holds the data (it
 * then becomes master rather than leave the set down, or have an empty node start it afresh).
 */
function neverPromoteYields(s: ElectionSnapshot): Decision | undefined {
  if (!s.selfNeverPromote) return undefined;
  // Empty, it has nothing to keep: it waits for a master (a new set's first one included).
  if (s.selfDataBytes === 0) return { kind: 'wait', reason: 'nothing live; this node is never-promote and empty: it waits for another node to be master' };
  const queued = s.contenders.find((c) => c.dataBytes > 0 && !c.neverPromote && !sameAddress(c.address, s.self));
  if (queued) return { kind: 'wait', reason: `nothing live; this node is never-promote and contender ${formatAddress(queued.address)} holds data` };
  // Any other promotable data directory may hold data: records lag their node by up to a publish
  // interval (a replica killed right after a write may show offset 0), so the offset is not asked.
  const other = s.records.find((r) => r.dataId !== s.selfDataId && !r.neverPromote);
  if (other && s.elapsedMs < s.dataWaitMs) {
    return {
      kind: 'wait',
      reason:
        `nothing live; this node is never-promote and ${other.dataId} (last at ${formatAddress(other.address)}) may hold data: ` +
        `it gets ${s.dataWaitMs} ms to come back first`,
    };
  }
  return undefined;
}
