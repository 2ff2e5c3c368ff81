import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { TestEnv } from './env';
import { ROOT } from './processes';

/** The built command, as npm's `bin` links it (`redis-zk`). */
export const CLI = path.join(ROOT, 'packages', 'cli', 'dist', 'main.js');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  ms: number;
}

/** Starts the built command (its own process, like an operator's shell) with the deployment's variables; killed after 60 s. */
export function startCli(env: TestEnv | NodeJS.ProcessEnv, ...args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const vars = env instanceof TestEnv ? env.baseEnv() : env;
  const started = Date.now();
  const child = spawn(CLI, args, { env: { ...vars, LOG_LEVEL: undefined }, stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<Run>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err, ms: Date.now() - started });
    });
  });
  return { child, done };
}

/** Runs the built command to its end. */
export const cli = (env: TestEnv | NodeJS.ProcessEnv, ...args: string[]): Promise<Run> => startCli(env, ...args).done;
