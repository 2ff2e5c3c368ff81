import type { AckingWriter } from '../../packages/local-stack/src/ack-log';
import { PyWaitWriter } from '../../packages/local-stack/src/py-wait-writer';
import { WaitWriter, type WaitWriterFigures } from '../../packages/local-stack/src/wait-writer';
import type { Deployment, TestEnv } from './env';
import { TEST_PASSWORD } from './secrets';

export type WriterFigures = WaitWriterFigures;

/**
 * The shared WAIT-1 writer (packages/local-stack/src/wait-writer.ts: ioredis; py-wait-writer.ts:
 * redis-py) on a test deployment, the sentinels read from ZooKeeper in their order.
 */
export class SteadyWriter {
  private writer: AckingWriter | undefined;

  constructor(
    readonly _env: TestEnv,
    private readonly d: Deployment,
    private readonly o: { password?: string; client?: 'ioredis' | 'redis-py'; replicas?: number } = {},
  ) {}

  get acked(): number {
    return this.writer?.acked ?? 0;
  }
  get failed(): number {
    return this.writer?.failed ?? 0;
  }
  ackedSince(t: number): number {
    return this.writer?.ackedSince(t) ?? 0;
  }

  async start(): Promise<void> {
    const sentinels = (await this.d.dir.listSentinels()).map((s) => ({ host: s.address.host, port: s.address.port }));
    const o = { sentinels, name: this.d.name, password: this.o.password ?? TEST_PASSWORD };
    this.writer = this.o.client === 'redis-py' ? new PyWaitWriter(o) : new WaitWriter({ ...o, replicas: this.o.replicas });
    this.writer.start();
  }

  /** Stops writing and checks every acknowledged key on the current master. */
  stop(): Promise<WriterFigures> {
    return this.writer!.stop();
  }
}
