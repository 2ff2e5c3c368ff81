import { EventEmitter } from 'node:events';
import zookeeper from 'node-zookeeper-client';
import type { ZkAuth } from '../config/vars';
import type { Logger } from '../log';
import { withTimeout } from '../time';
import { type Acl, authBytes, deploymentAcl, fromLibrary, toLibrary } from './acl';
import { dropConnection, guardReplyParsing, tolerateUnknownErrorCodes } from './library-guards';

export const CreateMode = zookeeper.CreateMode;
export type ZkEvent = zookeeper.Event;

export class ZkUnavailableError extends Error {
  constructor(what: string) {
    super(`ZooKeeper not connected: ${what} not attempted`);
    this.name = 'ZkUnavailableError';
  }
}

export interface ZkClientOptions {
  connectString: string;
  sessionTimeoutMs: number;
  /** Bound on every operation; also how a hung (not closed) server is noticed. */
  opTimeoutMs?: number;
  log: Logger;
  /**
   * Digest credentials, sent on every connection of every session; every node this client
   * creates then carries deploymentAcl(auth) (that identity all rights, everyone else read).
   */
  auth?: ZkAuth | undefined;
}

/** The operations of a multi-op; creates carry the client's ACL. */
export interface ZkTransaction {
  create(path: string, data: Buffer, mode?: number): void;
  setData(path: string, data: Buffer, version?: number): void;
  check(path: string, version: number): void;
  remove(path: string, version?: number): void;
}

export interface NodeData {
  data: Buffer;
  version: number;
  /** Non-zero for an ephemeral node: the owning session. */
  ephemeralOwner: string;
  /** ZooKeeper's transaction id of the last change: a total order over every write, no clocks. */
  mzxid: bigint;
  /** ZooKeeper's transaction id of the node's creation: orders nodes by when they were made. */
  czxid: bigint;
  /** When the node last changed, by the ZooKeeper server's clock (ms since the epoch). */
  mtimeMs: number;
}

const code = (err: unknown): number | undefined =>
  typeof (err as { getCode?: unknown })?.getCode === 'function' ? (err as zookeeper.Exception).getCode() : undefined;

export const isNoNode = (err: unknown) => code(err) === zookeeper.Exception.NO_NODE;
export const isNodeExists = (err: unknown) => code(err) === zookeeper.Exception.NODE_EXISTS;
export const isBadVersion = (err: unknown) => code(err) === zookeeper.Exception.BAD_VERSION;
export const isNoAuth = (err: unknown) => code(err) === zookeeper.Exception.NO_AUTH;

/**
 * node-zookeeper-client with the behaviour an HA component needs:
 * - promises, each bounded by a timeout, failing fast while disconnected instead of queueing forever;
 * - a new session is opened by itself after expiry ('session' is emitted so owners of
 *   ephemeral nodes and watches re-create them);
 * - a hung server (open socket, no answers) is noticed by a heartbeat and reported as 'disconnected';
 * - a reply the library cannot parse costs the connection, not the process (library-guards.ts).
 *
 * Events: 'connected' (usable again), 'disconnected', 'session' (a new session, after expiry).
 */
export class ZkClient extends EventEmitter {
  private client!: zookeeper.Client;
  private usable = false;
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  /** When reconnectNow last dropped a connection (ms since the epoch). */
  private nudgedAt = 0;
  private sessionIdSeen: string | undefined;
  readonly opTimeoutMs: number;
  /** What every node this client creates carries. */
  readonly acl: readonly Acl[];

  constructor(private readonly opts: ZkClientOptions) {
    super();
    this.acl = deploymentAcl(opts.auth);
    this.opTimeoutMs = opts.opTimeoutMs ?? Math.max(2000, Math.floor(opts.sessionTimeoutMs / 2));
    this.open();
    this.watchStall();
  }

  get connected(): boolean {
    return this.usable;
  }

  /** The current session, as ZooKeeper reports it in a node's ephemeralOwner. */
  get sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  /**
   * Calls `fn` each time the client is connected again or has a new session: watches set before
   * may be gone and registrations expired, so whoever keeps a view or a node re-reads now.
   * Returns what unsubscribes it.
   */
  onReconnected(fn: () => void): () => void {
    this.on('connected', fn);
    this.on('session', fn);
    return () => {
      this.off('connected', fn);
      this.off('session', fn);
    };
  }

  /** Resolves once connected; rejects after `timeoutMs` (the client keeps trying in the background). */
  waitConnected(timeoutMs: number): Promise<void> {
    if (this.usable) return Promise.resolve();
    return withTimeout(
      new Promise<void>((resolve) => this.once('connected', () => resolve())),
      timeoutMs,
      `connecting to ZooKeeper at ${this.opts.connectString}`,
    );
  }

  private open(): void {
    const client = zookeeper.createClient(this.opts.connectString, {
      sessionTimeout: this.opts.sessionTimeoutMs,
      spinDelay: 200,
      retries: 0,
    });
    this.client = client;
    // Before connect(): the library sends credentials on each (re)connection of this session; a
    // new session (after expiry) is a new library client, given them here again.
    if (this.opts.auth) client.addAuthInfo('digest', authBytes(this.opts.auth));
    tolerateUnknownErrorCodes();
    guardReplyParsing(client, (err) =>
      this.opts.log.error({ err: String(err), reason: 'unparsable reply' }, 'dropping the ZooKeeper connection; reconnecting on the same session'),
    );
    const isCurrent = () => this.client === client && !this.closed;
    client.on('state', (state) => {
      if (!isCurrent()) return;
      if (state === zookeeper.State.SYNC_CONNECTED) {
        this.setUsable(true, 'connected');
        // After setUsable: listeners of 'session' re-create ephemeral nodes straight away.
        const id = client.getSessionId().toString('hex');
        if (this.sessionIdSeen !== undefined && id !== this.sessionIdSeen) this.emit('session');
        this.sessionIdSeen = id;
      } else if (state === zookeeper.State.DISCONNECTED) {
        this.setUsable(false, 'connection lost');
      } else if (state === zookeeper.State.EXPIRED) {
        this.opts.log.warn({ reason: 'session expired' }, 'ZooKeeper session expired; opening a new one');
        this.setUsable(false, 'session expired');
        client.close();
        this.open();
      }
    });
    client.connect();
    this.startHeartbeat();
  }

  /**
   * The library can hang for good in a handshake the server never answered (a server that was
   * starting up when it connected). Past `stallMs` of that, its socket is dropped so it connects
   * again, on the same session. A connection the library still believes in (a hung server) is
   * left alone: the heartbeat reports it, and it recovers when the server does.
   */
  private watchStall(): void {
    if (this.stallTimer || this.closed) return;
    const stallMs = Math.max(2000, Math.floor(this.opts.sessionTimeoutMs / 2));
    this.stallTimer = setInterval(() => {
      if (this.closed || this.usable) {
        clearInterval(this.stallTimer);
        this.stallTimer = undefined;
        return;
      }
      if (this.client.getState() === zookeeper.State.SYNC_CONNECTED) return;
      if (dropConnection(this.client)) this.opts.log.warn({ reason: `no usable connection for ${stallMs} ms` }, 'reconnecting to ZooKeeper');
    }, stallMs);
    this.stallTimer.unref();
  }

  /**
   * Connects again at once when the connection is not usable, instead of waiting for the pending
   * connect (a SYN sent while the network was cut is retried by TCP after 1, 3, 7… s) or for the
   * stall check (sessionTimeout / 2). For a caller that has just seen the network come back (its
   * other servers answer again). At most once a second; true when it dropped a connection.
   */
  reconnectNow(reason: string): boolean {
    if (this.closed || this.usable || Date.now() - this.nudgedAt < 1000) return false;
    if (this.client.getState() === zookeeper.State.SYNC_CONNECTED) return false;
    this.nudgedAt = Date.now();
    if (!dropConnection(this.client)) return false;
    this.opts.log.info({ reason }, 'reconnecting to ZooKeeper now');
    return true;
  }

  private setUsable(usable: boolean, reason: string): void {
    if (this.usable === usable) return;
    this.usable = usable;
    this.opts.log[usable ? 'info' : 'warn']({ reason }, usable ? 'ZooKeeper connected' : 'ZooKeeper unavailable');
    if (!usable) this.watchStall();
    this.emit(usable ? 'connected' : 'disconnected');
  }

  /** The library only notices a closed socket; a stopped server would look connected forever. */
  private startHeartbeat(): void {
    if (this.heartbeat) return;
    const every = Math.max(500, Math.floor(this.opts.sessionTimeoutMs / 3));
    let inFlight = false;
    this.heartbeat = setInterval(() => {
      if (inFlight || this.closed) return;
      const state = this.client.getState();
      if (state !== zookeeper.State.SYNC_CONNECTED) return;
      inFlight = true;
      const client = this.client;
      withTimeout(new Promise<void>((resolve, reject) => client.exists('/', (err) => (err ? reject(err) : resolve()))), every * 2, 'ZooKeeper heartbeat')
        .then(() => this.client === client && this.setUsable(true, 'heartbeat answered'))
        .catch((err) => this.client === client && this.setUsable(false, String(err)))
        .finally(() => {
          inFlight = false;
        });
    }, every);
    this.heartbeat.unref();
  }

  private op<T>(what: string, run: (client: zookeeper.Client, done: (err: unknown, value?: T) => void) => void): Promise<T> {
    if (this.closed || !this.usable) return Promise.reject(new ZkUnavailableError(what));
    const client = this.client;
    return withTimeout(
      new Promise<T>((resolve, reject) => run(client, (err, value) => (err ? reject(err) : resolve(value as T)))),
      this.opTimeoutMs,
      `ZooKeeper ${what}`,
    );
  }

  create(path: string, data: string | Buffer, mode: number = CreateMode.PERSISTENT): Promise<string> {
    return this.op(`create ${path}`, (c, done) => c.create(path, Buffer.from(data), toLibrary(this.acl), mode, done));
  }

  /**
   * Creates `path`; only when its parent is missing, creates the parents too (persistent, empty).
   * One round trip in the usual case, where mkdirp first costs one per path component.
   */
  async createWithParents(path: string, data: string | Buffer, mode: number = CreateMode.PERSISTENT): Promise<string> {
    try {
      return await this.create(path, data, mode);
    } catch (err) {
      if (!isNoNode(err)) throw err;
    }
    await this.mkdirp(path.slice(0, path.lastIndexOf('/')) || '/');
    return this.create(path, data, mode);
  }

  /** Creates `path` and its parents; an existing node is fine. */
  mkdirp(path: string): Promise<void> {
    return this.op(`mkdirp ${path}`, (c, done) => c.mkdirp(path, toLibrary(this.acl), (err) => done(err)));
  }

  /** A node's ACL; null when the node does not exist. */
  getAcl(path: string): Promise<Acl[] | null> {
    return this.op<Acl[] | null>(`getACL ${path}`, (c, done) =>
      c.getACL(path, (err, acl) => (isNoNode(err) ? done(null, null) : done(err, err ? undefined : fromLibrary(acl)))),
    );
  }

  /** Replaces a node's ACL (needs ADMIN on it). */
  setAcl(path: string, acl: readonly Acl[], version = -1): Promise<void> {
    return this.op(`setACL ${path}`, (c, done) => c.setACL(path, toLibrary(acl), version, (err) => done(err)));
  }

  /** null when the node does not exist. */
  getData(path: string, watcher?: (e: ZkEvent) => void): Promise<NodeData | null> {
    return this.op<NodeData | null>(`get ${path}`, (c, done) => {
      const cb = (err: unknown, data: Buffer, stat: zookeeper.Stat) =>
        isNoNode(err)
          ? done(null, null)
          : done(
              err,
              err
                ? undefined
                : {
                    data: data ?? Buffer.alloc(0),
                    version: stat.version,
                    ephemeralOwner: stat.ephemeralOwner.toString('hex'),
                    mzxid: stat.mzxid.readBigInt64BE(0),
                    czxid: stat.czxid.readBigInt64BE(0),
                    mtimeMs: Number(stat.mtime.readBigInt64BE(0)),
                  },
            );
      if (watcher) c.getData(path, watcher, cb);
      else c.getData(path, cb);
    });
  }

  /** Sets data; with `version`, only if the node is still at that version (BAD_VERSION otherwise). */
  setData(path: string, data: string | Buffer, version = -1): Promise<number> {
    return this.op(`set ${path}`, (c, done) => c.setData(path, Buffer.from(data), version, (err, stat) => done(err, stat?.version)));
  }

  /**
   * Empty list when the parent does not exist. ZooKeeper sets no child watch on a missing node,
   * so the watcher is then set on its existence instead: it fires when the node is created.
   */
  async getChildren(path: string, watcher?: (e: ZkEvent) => void): Promise<string[]> {
    const children = await this.op<string[] | null>(`list ${path}`, (c, done) => {
      const cb = (err: unknown, list: string[]) => (isNoNode(err) ? done(null, null) : done(err, list));
      if (watcher) c.getChildren(path, watcher, cb);
      else c.getChildren(path, cb);
    });
    if (children !== null) return children;
    if (watcher && (await this.exists(path, watcher))) return this.getChildren(path, watcher); // created meanwhile
    return [];
  }

  /** Whether the node exists; the watcher fires on its creation, deletion or change. */
  exists(path: string, watcher?: (e: ZkEvent) => void): Promise<boolean> {
    return this.op<boolean>(`exists ${path}`, (c, done) => {
      const cb = (err: unknown, stat: zookeeper.Stat) => done(err, !!stat);
      if (watcher) c.exists(path, watcher, cb);
      else c.exists(path, cb);
    });
  }

  /** Removes the node; a missing node is fine. */
  remove(path: string, version = -1): Promise<void> {
    return this.op(`remove ${path}`, (c, done) => c.remove(path, version, (err) => done(isNoNode(err) ? null : err)));
  }

  /** All operations or none (ZooKeeper multi). */
  transaction(what: string, build: (t: ZkTransaction) => void): Promise<void> {
    return this.op(what, (c, done) => {
      const t = c.transaction();
      const acl = toLibrary(this.acl);
      build({
        create: (path, data, mode = CreateMode.PERSISTENT) => void t.create(path, data, acl, mode),
        setData: (path, data, version = -1) => void t.setData(path, data, version),
        check: (path, version) => void t.check(path, version),
        remove: (path, version = -1) => void t.remove(path, version),
      });
      t.commit((err) => done(err));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.usable = false;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.client.close();
  }
}
