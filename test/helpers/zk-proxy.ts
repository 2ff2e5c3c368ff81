import net from 'node:net';
import { freePort } from './ports';

/**
 * What reaches the client instead of one reply: `bytes`, and with `close` the connection is then
 * dropped (both sides). A reply frame is its 4-byte length, then xid (int32), zxid (int64),
 * err (int32) and the payload.
 */
export type Tamper = (frame: Buffer) => { bytes: Buffer; close?: boolean };

/** The reply header of `frame` with another error code and no payload, as ZooKeeper sends errors. */
export function withErrorCode(frame: Buffer, code: number): Buffer {
  const out = Buffer.from(frame.subarray(0, 20));
  out.writeInt32BE(16, 0);
  out.writeInt32BE(code, 16);
  return out;
}

/** ZooKeeper's request type for getData (the tests tamper with its replies, never the heartbeat's exists). */
export const OP_GET_DATA = 4;

/**
 * A TCP proxy in front of the test's real ZooKeeper that can tamper with the reply to the next
 * request of a given type, for the replies a real server or network produces rarely: error codes
 * newer than the client library, a reply cut off by a dropped connection, a reply that does not
 * parse. Frames: a 4-byte length, then a request's xid and type, or a reply's xid, zxid, err.
 */
export class ZkProxy {
  private tamper: { op: number; xid?: number; fn: Tamper; done: () => void } | undefined;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(zkPort: number): Promise<ZkProxy> {
    const port = await freePort();
    const server = net.createServer();
    const proxy = new ZkProxy(server, port);
    server.on('connection', (client) => proxy.relay(client, zkPort));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Resolves once `fn` has been applied to the reply to the next request of type `op`. */
  tamperReplyTo(op: number, fn: Tamper): Promise<void> {
    return new Promise((done) => {
      this.tamper = { op, fn, done };
    });
  }

  close(): void {
    this.server.close();
    for (const s of this.sockets) s.destroy();
  }

  private relay(client: net.Socket, zkPort: number): void {
    const upstream = net.connect(zkPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    // The first frame each way is the handshake (connect request and answer): passed as is.
    frames(client, (frame, i) => {
      const t = this.tamper;
      if (i > 0 && t && t.xid === undefined && frame.readInt32BE(8) === t.op) t.xid = frame.readInt32BE(4);
      upstream.write(frame);
    });
    frames(upstream, (frame, i) => {
      const t = this.tamper;
      if (i === 0 || !t || t.xid === undefined || frame.readInt32BE(4) !== t.xid) return void client.write(frame);
      this.tamper = undefined;
      const { bytes, close } = t.fn(frame);
      client.write(bytes);
      t.done();
      if (close) {
        client.end();
        upstream.destroy();
      }
    });
  }
}

/** Calls `each` with every whole frame read from `socket`, and its index on the connection. */
function frames(socket: net.Socket, each: (frame: Buffer, index: number) => void): void {
  let pending = Buffer.alloc(0);
  let index = 0;
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const frame = pending.subarray(0, 4 + pending.readInt32BE(0));
      pending = pending.subarray(frame.length);
      each(frame, index);
      index += 1;
    }
  });
}
