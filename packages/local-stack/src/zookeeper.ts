import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { sleep } from '@redis-zk/core';
import { ManagedProcess } from './managed-process';
import { freePort } from './ports';

/**
 * Debian's `zookeeper` package: its config directory and its jar, whose manifest names the jars it
 * needs, and one SLF4J binding (simple: to stderr, the log file). Not all of /usr/share/java: 500
 * jars on the class path made each start cost 1.1 s of CPU instead of 0.55 s, and answer ~0.4 s later.
 */
const CLASSPATH = '/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar';
/**
 * A short-lived test server: C1 only (C2's compilations cost more than they return in a server
 * that lives seconds to minutes), no perf-data file, the serial GC, warnings and errors logged.
 */
const JVM_FLAGS = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn'];

/** A four-letter command's reply from a server on loopback ('' when it does not answer). */
function fourLetter(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let reply = '';
    s.setTimeout(1000, () => {
      s.destroy();
      resolve('');
    });
    s.on('connect', () => s.write(word));
    s.on('data', (d) => {
      reply += d.toString();
    });
    s.on('close', () => resolve(reply));
    s.on('error', () => resolve(''));
  });
}

/**
 * Whether the server serves clients: `ruok` alone (a standalone server), or `srvr` naming its
 * mode (an ensemble member answers `ruok` before it has a quorum, and serves nothing then).
 */
async function serving(port: number, member: boolean): Promise<boolean> {
  if (!member) return (await fourLetter(port, 'ruok')) === 'imok';
  return /^Mode: (leader|follower)$/m.test(await fourLetter(port, 'srvr'));
}

/** One member of an ensemble: its id (myid) and every member's ports, in id order. */
export interface EnsembleMembership {
  id: number;
  peers: ReadonlyArray<{ clientPort: number; quorumPort: number; electionPort: number }>;
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
    private readonly ensemble?: EnsembleMembership,
  ) {}

  static async start(
    dir: string,
    opts: { port?: number; startTimeoutMs?: number; placement?: ZooKeeperPlacement; ensemble?: EnsembleMembership; wait?: boolean } = {},
  ): Promise<LocalZooKeeper> {
    const port = opts.ensemble?.peers[opts.ensemble.id - 1]?.clientPort ?? opts.port ?? (opts.placement ? 2181 : await freePort());
    const zk = new LocalZooKeeper(dir, port, opts.placement, opts.ensemble);
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    const quorum = opts.ensemble
      ? ['initLimit=10', 'syncLimit=4', ...opts.ensemble.peers.map((p, i) => `server.${i + 1}=127.0.0.1:${p.quorumPort}:${p.electionPort}`)]
      : [];
    if (opts.ensemble) fs.writeFileSync(path.join(dir, 'data', 'myid'), String(opts.ensemble.id));
    fs.writeFileSync(
      path.join(dir, 'zoo.cfg'),
      [
        ...quorum,
        'tickTime=500', // allows sessions down to 1 s
        `dataDir=${path.join(dir, 'data')}`,
        `clientPort=${zk.port}`,
        `clientPortAddress=${zk.host}`,
        'admin.enableServer=false',
        '4lw.commands.whitelist=ruok,stat,srvr',
        'maxSessionTimeout=60000',
        'maxClientCnxns=0',
      ].join('\n'),
    );
    if (opts.wait === false) zk.spawn();
    else {
      // One that never answered in time is stopped here: the caller has no handle to stop it by,
      // and a JVM left running kept a test process (and so ava) waiting after its tests failed.
      await zk.resume(opts.startTimeoutMs).catch(async (err: unknown) => {
        await zk.stop();
        throw err;
      });
    }
    return zk;
  }

  get host(): string {
    return this.placement?.host ?? '127.0.0.1';
  }
  /** Its servers, as an ensemble's: this one. */
  get members(): readonly LocalZooKeeper[] {
    return [this];
  }
  get connectString(): string {
    return `${this.host}:${this.port}`;
  }

  /** Starts (again) on the same port and data; resolves once it answers. */
  async resume(timeoutMs = 30000): Promise<void> {
    if (this.proc?.running) return;
    this.spawn();
    await this.serves(timeoutMs);
  }

  /** Starts the server without waiting for it (an ensemble's members start together). */
  spawn(): void {
    if (this.proc?.running) return;
    // A member runs QuorumPeerMain (the ensemble protocol); a lone server the standalone main.
    const main = this.ensemble ? 'org.apache.zookeeper.server.quorum.QuorumPeerMain' : 'org.apache.zookeeper.server.ZooKeeperServerMain';
    const java: [string, string[]] = ['java', [...JVM_FLAGS, '-cp', CLASSPATH, main, path.join(this.dir, 'zoo.cfg')]];
    const [cmd, args] = this.placement ? this.placement.wrap(...java) : java;
    const name = this.ensemble ? `zookeeper-${this.ensemble.id}` : 'zookeeper';
    this.proc = new ManagedProcess(name, cmd, args, { env: process.env, cwd: this.dir, logFile: path.join(this.dir, 'zookeeper.log') });
  }

  /** Resolves once the server serves clients (an ensemble member: once it has a quorum). */
  async serves(timeoutMs = 30000): Promise<void> {
    if (!this.proc) throw new Error('ZooKeeper was not started');
    const deadline = Date.now() + timeoutMs;
    const answers = () => (this.placement ? this.placement.ruok(this.host, this.port) : serving(this.port, Boolean(this.ensemble)));
    while (!(await answers())) {
      if (!this.proc.running) throw new Error(`ZooKeeper exited at start; see ${this.proc.logFile} (is Debian's zookeeper package installed?)`);
      if (Date.now() > deadline) throw new Error(`ZooKeeper did not answer on ${this.connectString} within ${timeoutMs} ms; see ${this.proc.logFile}`);
      await sleep(200);
    }
  }

  /** The server's mode as `srvr` gives it (leader, follower, standalone), undefined when it does not answer. */
  async mode(): Promise<string | undefined> {
    return /^Mode: (\w+)$/m.exec(await fourLetter(this.port, 'srvr'))?.[1];
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
