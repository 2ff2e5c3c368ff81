import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from '@redis-zk/core';
import { onExit } from './exit-hooks';
import type { Netns } from './netns';

/** ns-helper, compiled beside this file in dist/, or its source run by Node's type stripping. */
const HELPER = path.join(__dirname, fs.existsSync(path.join(__dirname, 'ns-helper.mjs')) ? 'ns-helper.mjs' : 'ns-helper.mts');

interface Answer {
  id: number;
  ok: boolean;
  error?: string;
  status?: number;
  body?: string;
  data?: string;
}

/**
 * Connections made from inside a namespace, by one long-lived helper process there (started on
 * first use, again if it dies): the model lives in the host's namespace and cannot connect to
 * the bridge's addresses itself.
 */
export class NsProbe {
  private child: ChildProcess | undefined;
  private unregister: (() => void) | undefined;
  private readonly pending = new Map<number, { resolve: (a: Answer) => void; timer: NodeJS.Timeout }>();
  private readonly servers: net.Server[] = [];
  private seq = 0;
  private stopped = false;

  constructor(
    readonly ns: Netns,
    private readonly socketDir: string,
    private readonly log: Logger,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private ensure(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    const [cmd, args] = this.ns.wrap(process.execPath, [HELPER]);
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    this.child = child;
    const pid = child.pid;
    this.unregister?.();
    this.unregister = onExit(() => {
      if (pid)
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
    });
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      let a: Answer;
      try {
        a = JSON.parse(line) as Answer;
      } catch {
        return;
      }
      const p = this.pending.get(a.id);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(a.id);
        p.resolve(a);
      }
    });
    child.stdin!.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      if (!this.stopped) this.log.debug({ netns: this.ns.name, code, signal }, 'probe helper exited');
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.resolve({ id, ok: false, error: 'probe helper exited' });
      }
      this.pending.clear();
    });
    return child;
  }

  private ask(request: Record<string, unknown>, timeoutMs: number): Promise<Answer> {
    if (this.stopped) return Promise.resolve({ id: 0, ok: false, error: 'probe stopped' });
    const child = this.ensure();
    const id = ++this.seq;
    return new Promise((resolve) => {
      // The helper applies the timeout; this one only covers a helper that stops answering.
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ id, ok: false, error: `no answer from the probe helper in ${timeoutMs} ms` });
      }, timeoutMs + 5000);
      this.pending.set(id, { resolve, timer });
      child.stdin!.write(`${JSON.stringify({ id, ...request })}\n`);
    });
  }

  /** GET `url` from inside the namespace; rejects on a connection error or timeout. */
  async http(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
    const a = await this.ask({ op: 'http', url, timeoutMs }, timeoutMs);
    if (!a.ok) throw new Error(`GET ${url} from ${this.ns.name}: ${a.error}`);
    return { status: a.status ?? 0, body: a.body ?? '' };
  }

  /** Connects to host:port from inside the namespace; with `send`, returns what came back until the peer closed. */
  async tcp(host: string, port: number, timeoutMs: number, send?: string): Promise<string> {
    const a = await this.ask({ op: 'tcp', host, port, timeoutMs, ...(send !== undefined ? { send } : {}) }, timeoutMs);
    if (!a.ok) throw new Error(`TCP ${host}:${port} from ${this.ns.name}: ${a.error}`);
    return a.data ?? '';
  }

  /**
   * A loopback port in the host's namespace whose connections are made, from inside this
   * namespace, to host:port (a test's clients reaching ZooKeeper or Redis from the infra side).
   */
  async forward(host: string, port: number): Promise<number> {
    const socketPath = path.join(this.socketDir, `fwd-${this.ns.name}-${++this.seq}.sock`);
    const a = await this.ask({ op: 'forward', socketPath, host, port }, 10000);
    if (!a.ok) throw new Error(`forward to ${host}:${port} in ${this.ns.name}: ${a.error}`);
    const server = net.createServer((inbound) => {
      const outbound = net.connect(socketPath);
      inbound.pipe(outbound).pipe(inbound);
      const end = () => {
        inbound.destroy();
        outbound.destroy();
      };
      for (const side of [inbound, outbound]) side.on('error', end).on('close', end);
    });
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return (server.address() as net.AddressInfo).port;
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.servers) s.close();
    const child = this.child;
    if (child?.pid && child.exitCode === null) {
      child.stdin?.end();
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.unregister?.();
  }
}
