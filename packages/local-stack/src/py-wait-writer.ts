import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import Redis from 'ioredis';
import { AckingWriter, countMissing, type WaitWriterFigures } from './ack-log';
import type { WaitWriterOptions } from './wait-writer';

/** The script, beside src/ and dist/ alike. */
const SCRIPT = path.join(__dirname, '..', 'py', 'wait_writer.py');

/**
 * WaitWriter's twin through redis-py's Sentinel client (py/wait_writer.py, Debian's python3-redis),
 * for figures as a redis-py user sees them: redis-py finds the master with SENTINEL MASTERS where
 * ioredis asks GET-MASTER-ADDR-BY-NAME, and the two answer differently during a failover. Same
 * surface as WaitWriter; the acknowledged keys are read back through ioredis at the end.
 */
export class PyWaitWriter extends AckingWriter {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  constructor(private readonly o: WaitWriterOptions) {
    super();
  }

  start(): void {
    const list = this.o.sentinels.map((s) => `${s.host}:${s.port}`).join(',');
    const env = { PATH: process.env.PATH ?? '', REDIS_PASSWORD: this.o.password ?? '', RETRY_MS: String(this.o.retryMs ?? 100) };
    const child = spawn('/usr/bin/python3', [SCRIPT, this.o.name, list], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString()).slice(-2000);
    });
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const [kind, key, at] = line.split(' ');
      if (kind === 'a' && key && at) this.log.add(key, Number(at));
      else this.failed += 1;
    });
    this.exited = new Promise((resolve, reject) => {
      child.on('error', reject);
      // 'close': its output read to the end. Ended by stop() (SIGTERM, SIGKILL if stuck), or on its own: a failure.
      child.on('close', (code, signal) => (code === 0 || signal !== null ? resolve() : reject(new Error(`the redis-py writer ended (exit ${code}): ${err}`))));
    });
    this.child = child;
  }

  /** Stops writing (SIGTERM; SIGKILL after 5 s) and checks every acknowledged key on the current master. */
  async stop(): Promise<WaitWriterFigures> {
    const child = this.child!;
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.kill('SIGTERM');
    await this.exited!.finally(() => clearTimeout(kill));
    const reader = new Redis({ sentinels: [...this.o.sentinels], name: this.o.name, password: this.o.password, sentinelPassword: this.o.password });
    reader.on('error', () => undefined);
    try {
      const lost = await countMissing(this.log.keys, (keys) => reader.mget(...keys));
      return { acked: this.log.count, failed: this.failed, lost, maxOutageMs: this.longestGap(0, Number.POSITIVE_INFINITY) };
    } finally {
      reader.disconnect();
    }
  }
}
