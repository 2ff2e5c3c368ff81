import zookeeper from 'node-zookeeper-client';

/**
 * node-zookeeper-client (GUARDED_VERSION, unmaintained; pinned exactly) parses the server's replies inside its socket's
 * 'data' handler, so whatever it cannot parse is thrown out of an event handler and ends the
 * process: the watcher, or a wrapper and with it the task's Redis. Two ways that happens:
 * - an error code newer than the library (ZooKeeper 3.5+ answers with codes such as
 *   SESSION_MOVED -118 or THROTTLED_OP -127), which its Exception factory refuses;
 * - a reply cut off by a dropped connection: its first bytes stay buffered and are read as the
 *   start of the next connection's handshake answer, and everything after it is misread
 *   (CI saw "Unknown code: -1971716078" end a test process).
 * The guards keep such failures inside the connection: an unknown code reaches the operation as
 * an error, a connection starts with an empty buffer, and a reply that still cannot be parsed
 * drops the connection (the library reconnects on the same session).
 */

/**
 * The only version whose internals these guards were written against and tested with. The
 * dependency is pinned to it exactly, and a test fails if the installed copy differs.
 */
export const GUARDED_VERSION = '1.1.3';

interface ConnectionManagerInternals {
  socket?: { destroy(): void };
  pendingBuffer: Buffer | null;
  onSocketData(buffer: Buffer): void;
  onSocketConnected(): void;
}

type ExceptionFactory = (code: number, path?: string) => Error;

/** An error for a code the library has no name for, with the library's Exception interface. */
function unknownCode(code: number, path?: string): Error {
  const message = `ZooKeeper error code ${code}${path ? ` at ${path}` : ''} (not known to node-zookeeper-client)`;
  return Object.assign(new Error(message), {
    name: 'ZooKeeperError',
    code,
    path,
    getCode: () => code,
    getName: () => `CODE_${code}`,
    getPath: () => path,
  });
}

let factoryGuarded = false;

/** Once per process: the library's Exception factory returns an error for any code. */
export function tolerateUnknownErrorCodes(): void {
  if (factoryGuarded) return;
  factoryGuarded = true;
  const exceptions = zookeeper.Exception as unknown as { create: ExceptionFactory };
  const create = exceptions.create;
  exceptions.create = (code, path) => {
    try {
      return create(code, path);
    } catch {
      return unknownCode(code, path);
    }
  };
}

/**
 * Per client, before `connect()` (each new socket binds these handlers when it is created).
 * `onUnparsable` is told why before the connection is dropped.
 */
export function guardReplyParsing(client: zookeeper.Client, onUnparsable: (err: unknown) => void): void {
  const cm = (client as unknown as { connectionManager?: Partial<ConnectionManagerInternals> }).connectionManager;
  if (typeof cm?.onSocketData !== 'function' || typeof cm.onSocketConnected !== 'function') {
    throw new Error('node-zookeeper-client internals changed (connectionManager.onSocketData/onSocketConnected): review library-guards.ts');
  }
  const parse = cm.onSocketData;
  const connected = cm.onSocketConnected;
  const guarded = cm as ConnectionManagerInternals;
  guarded.onSocketConnected = function onSocketConnected(this: ConnectionManagerInternals) {
    this.pendingBuffer = null; // what a dropped connection left is not the start of this one
    connected.call(this);
  };
  guarded.onSocketData = function onSocketData(this: ConnectionManagerInternals, buffer: Buffer) {
    try {
      parse.call(this, buffer);
    } catch (err) {
      this.pendingBuffer = null;
      onUnparsable(err);
      this.socket?.destroy();
    }
  };
}

/**
 * Drops the client's current socket, so the library connects again on the same session (it has
 * no public call for it: close() ends the session). False when it has no socket to drop.
 */
export function dropConnection(client: zookeeper.Client): boolean {
  const socket = (client as unknown as { connectionManager?: Partial<ConnectionManagerInternals> }).connectionManager?.socket;
  if (typeof socket?.destroy !== 'function') return false;
  socket.destroy();
  return true;
}
