import Redis from 'ioredis';
import { AckingWriter, countMissing, type WaitWriterFigures } from './ack-log';
import { sleep } from './harness';

export type { WaitWriterFigures } from './ack-log';

export interface WaitWriterOptions {
  sentinels: ReadonlyArray<{ host: string; port: number }>;
  name: string;
  /** Redis's and Sentinel's password, if any. */
  password?: string | undefined;
  /** ioredis's delay before reconnecting and before asking the sentinels again. */
  retryMs?: number;
  /** How many replicas `WAIT` must count for a write to be acknowledged (1 unless told). */
  replicas?: number | undefined;
}

/**
 * A steady writer through Sentinel (ioredis with the sentinel list): each write is acknowledged
 * only once `WAIT 1` confirms a replica has it. At the end every acknowledged key is read back
 * from the current master; a missing one is a lost write. Shared by the chaos tests and the bench.
 */
export class WaitWriter extends AckingWriter {
  private client: Redis | undefined;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly o: WaitWriterOptions) {
    super();
  }

  start(): void {
    const retry = this.o.retryMs ?? 100;
    // maxRetriesPerRequest 0: a command in flight when the connection drops fails instead of being
    // sent again on the next connection. A WAIT re-sent to a new master after the old one cut its
    // clients off (a fence, or Sentinel's demotion) would count the new master's replicas for a
    // write that went to the old one: an acknowledgement that means nothing.
    this.client = new Redis({
      sentinels: [...this.o.sentinels],
      name: this.o.name,
      password: this.o.password,
      sentinelPassword: this.o.password,
      sentinelRetryStrategy: () => retry,
      retryStrategy: () => retry,
      maxRetriesPerRequest: 0,
      commandTimeout: 2000,
    });
    this.client.on('error', () => undefined);
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    for (let i = 0; this.running; i += 1) {
      const key = `w:${i}`;
      try {
        await this.client!.set(key, String(i));
        const wanted = this.o.replicas ?? 1;
        const replicas = Number(await this.client!.call('WAIT', String(wanted), '1000'));
        if (replicas >= wanted) this.log.add(key);
        else this.failed += 1;
      } catch {
        this.failed += 1;
        await sleep(20);
      }
      await sleep(2);
    }
  }

  /** Stops writing and checks every acknowledged key on the current master. */
  async stop(): Promise<WaitWriterFigures> {
    this.running = false;
    await this.loop;
    const lost = await countMissing(this.log.keys, (keys) => this.client!.mget(...keys));
    this.client!.disconnect();
    return { acked: this.log.count, failed: this.failed, lost, maxOutageMs: this.longestGap(0, Number.POSITIVE_INFINITY) };
  }
}
