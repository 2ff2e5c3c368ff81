import net from 'node:net';

export interface RawReply {
  status: number | null;
  head: string;
  body: string;
  bytes: number;
}

/**
 * Sends bytes as they are on a fresh connection and collects whatever comes back until the server
 * closes it, resets it, or `waitMs` passes. A write the server refuses (EPIPE/ECONNRESET after an
 * early answer) is not an error: the answer read so far is kept. The default wait is generous:
 * the servers tested close every such connection once they have answered, and with another test
 * file starting processes beside it, a burst of 200 requests took over 5 s to be answered.
 */
export function rawHttp(port: number, data: string | Buffer, waitMs = 30000): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(received);
      const text = all.toString('latin1');
      const cut = text.indexOf('\r\n\r\n');
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
      resolve({
        status: status ? Number(status[1]) : null,
        head: cut < 0 ? text : text.slice(0, cut),
        body: cut < 0 ? '' : text.slice(cut + 4),
        bytes: all.length,
      });
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => socket.write(data, () => undefined));
  });
}
