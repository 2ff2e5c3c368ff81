import type { Task } from './env';
import { info } from './redis-info';
import { sleep } from './wait';

/**
 * Watches the set's live tasks every `everyMs` until stopped: how long the set went without a
 * live master, how long any live replica pointed at an address that was not a live task, and
 * whether two writable masters ever answered at once.
 */
export class RoleMonitor {
  private running = true;
  private readonly loop: Promise<void>;
  maxMasterlessMs = 0;
  maxOrphanMs = 0;
  twoRoleMasterSamples = 0;
  private masterlessSince: number | undefined;
  private readonly orphanSince = new Map<string, number>();

  // twoRoleMasterSamples: samples where two tasks said role master (a switchover paused the old one meanwhile).
  /** `tasks()` names the redis tasks alive now (the test adds replacements as it starts them). */
  constructor(
    private readonly tasks: () => readonly Task[],
    private readonly everyMs = 200,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const now = Date.now();
      const live = this.tasks().filter((x) => x.proc.running);
      const infos = await Promise.all(live.map(async (x) => ({ task: x, info: await info(x.port).catch(() => undefined) })));
      const masters = infos.filter((x) => x.info?.get('role') === 'master');
      if (masters.length > 1) this.twoRoleMasterSamples += 1;
      if (masters.length === 0) this.masterlessSince ??= now;
      else this.masterlessSince = undefined;
      if (this.masterlessSince !== undefined) this.maxMasterlessMs = Math.max(this.maxMasterlessMs, now - this.masterlessSince);
      const addresses = new Set(live.map((x) => x.address));
      for (const x of infos) {
        const i = x.info;
        const orphan = i?.get('role') === 'slave' && !addresses.has(`${i.get('master_host')}:${i.get('master_port')}`);
        if (!orphan) {
          this.orphanSince.delete(x.task.address);
          continue;
        }
        const since = this.orphanSince.get(x.task.address) ?? now;
        this.orphanSince.set(x.task.address, since);
        this.maxOrphanMs = Math.max(this.maxOrphanMs, now - since);
      }
      await sleep(this.everyMs);
    }
  }

  async stop(): Promise<{ maxMasterlessMs: number; maxOrphanMs: number; twoRoleMasterSamples: number }> {
    this.running = false;
    await this.loop;
    return { maxMasterlessMs: this.maxMasterlessMs, maxOrphanMs: this.maxOrphanMs, twoRoleMasterSamples: this.twoRoleMasterSamples };
  }
}
