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

/**
 * A TCP proxy in front of the test's real ZooKeeper that can tamper with the next reply to a
 * client request (xid > 0: not a ping, a watch notification or the handshake), for the replies
 * a real server or network produces rarely: error codes newer than the client library, a reply
 * cut off by a dropped connection, a reply that does not parse.
 */
export class ZkProxy {
  private tamper: { fn: Tamper; done: () => void } | undefined;
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(zkPort: number): Promise<ZkProxy> {
    const port = await freePort();
    const server = net.createServer();
    const proxy = new ZkProxy(server, port);
    server.on('connection', (client) => proxy.relay(client, zkPort));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  get connectString(): string { return `127.0.0.1:${this.port}`; }

  /** Resolves once `fn` has been applied to a reply. */
  tamperNextReply(fn: Tamper): Promise<void> {
    return new Promise((done) => { this.tamper = { fn, done }; });
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
      s.on('close', () => { this.sockets.delete(s); client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream);
    let pending = Buffer.alloc(0);
    let handshake = true; // the first frame on a connection answers the connect request
    upstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(0, 4 + pending.readInt32BE(0));
        pending = pending.subarray(frame.length);
        const tamper = this.tamper;
        if (handshake || !tamper || frame.readInt32BE(4) <= 0) {
          handshake = false;
          client.write(frame);
          continue;
        }
        this.tamper = undefined;
        const { bytes, close } = tamper.fn(frame);
        client.write(bytes);
        tamper.done();
        if (close) {
          client.end();
          upstream.destroy();
          return;
        }
      }
    });
  }
}
