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

/** A command started by startCli: its process, its end, and a wait for a line on its stderr. */
export interface StartedCli {
  child: ChildProcess;
  done: Promise<Run>;
  /** Resolves once stderr so far matches `re`; rejects after `timeoutMs` or if the command ends first. */
  stderrMatches(re: RegExp, timeoutMs?: number): Promise<void>;
}

/** Starts the built command (its own process, like an operator's shell) with the deployment's variables; killed after 60 s. */
export function startCli(env: TestEnv | NodeJS.ProcessEnv, ...args: string[]): StartedCli {
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
  const stderrMatches = (re: RegExp, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      let seen = '';
      const onData = (b: Buffer) => {
        seen += b.toString();
        if (re.test(seen)) finish();
      };
      const timer = setTimeout(() => finish(new Error(`the command printed nothing matching ${re} on stderr in ${timeoutMs} ms: ${seen}`)), timeoutMs);
      const onClose = () => finish(new Error(`the command ended before printing ${re} on stderr: ${seen}`));
      const finish = (err?: Error) => {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        child.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      child.stderr?.on('data', onData);
      child.on('close', onClose);
    });
  return { child, done, stderrMatches };
}

/** Runs the built command to its end. */
export const cli = (env: TestEnv | NodeJS.ProcessEnv, ...args: string[]): Promise<Run> => startCli(env, ...args).done;
