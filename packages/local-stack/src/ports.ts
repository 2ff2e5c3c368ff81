import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pidAlive } from './pid';

/**
 * Ports handed out are claimed machine-wide with one file each, because a port is free only
 * until its server binds it, which can be seconds later (a wrapper binds after its election), and
 * other processes pick ports meanwhile: AVA runs test files in parallel processes, each with its
 * own ZooKeeper and servers. Claims last as long as the process (a killed task restarts on its
 * port); a dead process's claims are taken over.
 */
export const PORT_CLAIMS_DIR = path.join(os.tmpdir(), `redis-zk-ports-${process.getuid?.() ?? 'user'}`);
const claimed = new Set<number>();

/**
 * Where ports are handed out: below the kernel's ephemeral range, which outgoing connections take
 * their local ports from. A port from that range (what listen(0) gives) can be taken by any
 * client's connection between its hand-out and its server's bind: fifty wrappers starting at once
 * open hundreds of connections (a fresh run saw a node API fail with EADDRINUSE).
 */
const HANDED_OUT = ((): { low: number; high: number } => {
  const [low] = readOr('/proc/sys/net/ipv4/ip_local_port_range', '32768 60999').trim().split(/\s+/).map(Number);
  const top = Number.isInteger(low) && low! > 12000 ? low! - 1 : 32767;
  return { low: 10000, high: Math.min(top, 32767) };
})();

/** Whether nothing listens on 127.0.0.1:port now. */
const bindable = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A loopback port nothing listens on now, and not handed out to this or another live process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = HANDED_OUT.low + Math.floor(Math.random() * (HANDED_OUT.high - HANDED_OUT.low + 1));
    if (claimed.has(port) || !(await bindable(port))) continue;
    if (claim(port)) return port;
  }
}

function claim(port: number): boolean {
  fs.mkdirSync(PORT_CLAIMS_DIR, { recursive: true });
  const file = path.join(PORT_CLAIMS_DIR, String(port));
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      if (claimed.size === 0) process.once('exit', releaseClaims);
      claimed.add(port);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(readOr(file, ''));
    // Empty or gone: being written, or just given back; either way not ours to take now.
    if (!(owner > 0) || pidAlive(owner)) return false;
    fs.rmSync(file, { force: true }); // its process is gone
  }
  return false;
}

function releaseClaims(): void {
  for (const port of claimed) fs.rmSync(path.join(PORT_CLAIMS_DIR, String(port)), { force: true });
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}
