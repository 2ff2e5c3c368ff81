import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { sleep } from '@redis-zk/core';
import { ManagedProcess } from './managed-process';
import { freePort } from './ports';

/** Debian's `zookeeper` package: its jars and config directory. */
const CLASSPATH = '/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/*';

/** ZooKeeper's four-letter `ruok`, answered `imok` once the server serves. */
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

/** A real single-node ZooKeeper on a free loopback port, its data in `dir`. */
export class LocalZooKeeper {
  proc: ManagedProcess | undefined;
  private constructor(readonly dir: string, readonly port: number) {}

  static async start(dir: string, opts: { port?: number; startTimeoutMs?: number } = {}): Promise<LocalZooKeeper> {
    const zk = new LocalZooKeeper(dir, opts.port ?? (await freePort()));
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'zoo.cfg'), [
      'tickTime=500', // allows sessions down to 1 s
      `dataDir=${path.join(dir, 'data')}`,
      `clientPort=${zk.port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,stat',
      'maxSessionTimeout=60000',
      'maxClientCnxns=0',
    ].join('\n'));
    await zk.resume(opts.startTimeoutMs);
    return zk;
  }

  get connectString(): string { return `127.0.0.1:${this.port}`; }

  /** Starts (again) on the same port and data; resolves once it answers. */
  async resume(timeoutMs = 30000): Promise<void> {
    if (this.proc?.running) return;
    this.proc = new ManagedProcess('zookeeper', 'java', ['-Xmx256m', '-XX:+UseSerialGC', '-cp', CLASSPATH,
      'org.apache.zookeeper.server.ZooKeeperServerMain', path.join(this.dir, 'zoo.cfg')],
      { env: process.env, cwd: this.dir, logFile: path.join(this.dir, 'zookeeper.log') });
    const deadline = Date.now() + timeoutMs;
    while (!(await ruok(this.port))) {
      if (!this.proc.running) throw new Error(`ZooKeeper exited at start; see ${this.proc.logFile} (is Debian's zookeeper package installed?)`);
      if (Date.now() > deadline) throw new Error(`ZooKeeper did not answer on ${this.connectString} within ${timeoutMs} ms; see ${this.proc.logFile}`);
      await sleep(200);
    }
  }

  async stop(): Promise<void> { await this.proc?.stop(5000); }
  pause(): void { this.proc?.killGroup('SIGSTOP'); }
  cont(): void { this.proc?.killGroup('SIGCONT'); }
}
