import path from 'node:path';
import { freePort } from './ports';
import { type EnsembleMembership, LocalZooKeeper } from './zookeeper';

/**
 * A real ZooKeeper ensemble of `size` servers on loopback (each its own JVM, data and ports):
 * what production runs (DC/OS's masters are 3 or 5), so that losing one member is a fault a
 * deployment must ride through, unlike losing the only server.
 */
export class LocalZooKeeperEnsemble {
  private constructor(readonly members: LocalZooKeeper[]) {}

  static async start(dir: string, opts: { size?: number; startTimeoutMs?: number } = {}): Promise<LocalZooKeeperEnsemble> {
    const size = opts.size ?? 3;
    const peers: Array<EnsembleMembership['peers'][number]> = [];
    for (let i = 0; i < size; i += 1) peers.push({ clientPort: await freePort(), quorumPort: await freePort(), electionPort: await freePort() });
    // Started together (a member alone never has a quorum), then awaited.
    const members = await Promise.all(
      peers.map((_, i) => LocalZooKeeper.start(path.join(dir, `server-${i + 1}`), { ensemble: { id: i + 1, peers }, wait: false })),
    );
    const ensemble = new LocalZooKeeperEnsemble(members);
    try {
      await Promise.all(members.map((m) => m.serves(opts.startTimeoutMs ?? 60000)));
    } catch (err) {
      await ensemble.stop();
      throw err;
    }
    return ensemble;
  }

  /** Every member, as clients list them (ZK_HOSTS). */
  get connectString(): string {
    return this.members.map((m) => m.connectString).join(',');
  }

  /** The whole ensemble hung (SIGSTOP of every member), then resumed. */
  pause(): void {
    for (const m of this.members) m.pause();
  }
  cont(): void {
    for (const m of this.members) m.cont();
  }

  /** The whole ensemble stopped; `resume` starts every member again on its data and waits for a quorum. */
  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop()));
  }
  async resume(timeoutMs = 60000): Promise<void> {
    for (const m of this.members) m.spawn();
    await Promise.all(this.members.map((m) => m.serves(timeoutMs)));
  }

  /** The member that leads now (`srvr`'s mode), if one answers as leader. */
  async leader(): Promise<number | undefined> {
    for (const [i, m] of this.members.entries()) if ((await m.mode()) === 'leader') return i;
    return undefined;
  }
}
