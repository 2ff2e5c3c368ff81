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
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
    s.on('connect', () => s.write('ruok'));
    s.on('data', (d) => {
      reply += d.toString();
    });
    s.on('close', () => resolve(reply === 'imok'));
    s.on('error', () => resolve(false));
  });
}

/**
 * Where ZooKeeper runs when not on loopback (the Marathon model's infra namespace): the address it
 * serves on, how to start a command there, and how to ask it `ruok` from there.
 */
export interface ZooKeeperPlacement {
  host: string;
  wrap: (cmd: string, args: readonly string[]) => [string, string[]];
  ruok: (host: string, port: number) => Promise<boolean>;
}

/** A real single-node ZooKeeper on a free loopback port (or where `placement` says), its data in `dir`. */
export class LocalZooKeeper {
  proc: ManagedProcess | undefined;
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly placement?: ZooKeeperPlacement,
  ) {}

  static async start(dir: string, opts: { port?: number; startTimeoutMs?: number; placement?: ZooKeeperPlacement } = {}): Promise<LocalZooKeeper> {
    const zk = new LocalZooKeeper(dir, opts.port ?? (opts.placement ? 2181 : await freePort()), opts.placement);
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'zoo.cfg'),
      [
        'tickTime=500', // allows sessions down to 1 s
        `dataDir=${path.join(dir, 'data')}`,
        `clientPort=${zk.port}`,
        `clientPortAddress=${zk.host}`,
        'admin.enableServer=false',
        '4lw.commands.whitelist=ruok,stat',
        'maxSessionTimeout=60000',
        'maxClientCnxns=0',
      ].join('\n'),
    );
    await zk.resume(opts.startTimeoutMs);
    return zk;
  }

  get host(): string {
    return this.placement?.host ?? '127.0.0.1';
  }
  get connectString(): string {
    return `${this.host}:${this.port}`;
  }

  /** Starts (again) on the same port and data; resolves once it answers. */
  async resume(timeoutMs = 30000): Promise<void> {
    if (this.proc?.running) return;
    const java: [string, string[]] = [
      'java',
      ['-Xmx256m', '-XX:+UseSerialGC', '-cp', CLASSPATH, 'org.apache.zookeeper.server.ZooKeeperServerMain', path.join(this.dir, 'zoo.cfg')],
    ];
    const [cmd, args] = this.placement ? this.placement.wrap(...java) : java;
    this.proc = new ManagedProcess('zookeeper', cmd, args, { env: process.env, cwd: this.dir, logFile: path.join(this.dir, 'zookeeper.log') });
    const deadline = Date.now() + timeoutMs;
    const answers = () => (this.placement ? this.placement.ruok(this.host, this.port) : ruok(this.port));
    while (!(await answers())) {
      if (!this.proc.running) throw new Error(`ZooKeeper exited at start; see ${this.proc.logFile} (is Debian's zookeeper package installed?)`);
      if (Date.now() > deadline) throw new Error(`ZooKeeper did not answer on ${this.connectString} within ${timeoutMs} ms; see ${this.proc.logFile}`);
      await sleep(200);
    }
  }

  async stop(): Promise<void> {
    await this.proc?.stop(5000);
  }
  pause(): void {
    this.proc?.killGroup('SIGSTOP');
  }
  cont(): void {
    this.proc?.killGroup('SIGCONT');
  }
}
