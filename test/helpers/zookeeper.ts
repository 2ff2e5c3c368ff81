import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { freePort } from './ports';
import { Proc } from './processes';
import { waitFor } from './wait';

const CLASSPATH = '/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/*';

/** Asks ZooKeeper's four-letter `ruok` (no client library involved). */
function ruok(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let reply = '';
    s.setTimeout(1000, () => { s.destroy(); resolve(false); });
    s.on('connect', () => s.write('ruok'));
    s.on('data', (d) => { reply += d.toString(); });
    s.on('close', () => resolve(reply === 'imok'));
    s.on('error', () => resolve(false));
  });
}

/** A real, single-node ZooKeeper (Debian's package) on a free loopback port, data in `dir`. */
export class ZooKeeperServer {
  proc: Proc | undefined;
  private constructor(readonly dir: string, readonly port: number) {}

  static async start(dir: string): Promise<ZooKeeperServer> {
    const zk = new ZooKeeperServer(dir, await freePort());
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'zoo.cfg'), [
      'tickTime=500', // lets tests use sessions down to 1 s
      `dataDir=${path.join(dir, 'data')}`,
      `clientPort=${zk.port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,stat',
      'maxSessionTimeout=60000',
      'maxClientCnxns=0',
    ].join('\n'));
    await zk.resume();
    return zk;
  }

  get connectString(): string { return `127.0.0.1:${this.port}`; }

  /** Starts (again) on the same port and data. */
  async resume(): Promise<void> {
    if (this.proc?.running) return;
    this.proc = new Proc('zookeeper', 'java', ['-Xmx256m', '-XX:+UseSerialGC', '-cp', CLASSPATH,
      'org.apache.zookeeper.server.ZooKeeperServerMain', path.join(this.dir, 'zoo.cfg')],
      { env: process.env, cwd: this.dir, logFile: path.join(this.dir, 'zookeeper.log') });
    await waitFor('ZooKeeper to answer ruok', () => ruok(this.port), 30000, 200);
  }

  async stop(): Promise<void> {
    await this.proc?.stop(5000);
  }

  pause(): void { this.proc?.killGroup('SIGSTOP'); }
  cont(): void { this.proc?.killGroup('SIGCONT'); }
}
