import path from 'node:path';
import type { AppDefinition } from './app-definition';
import { ManagedProcess } from './managed-process';
import type { Netns } from './netns';

export interface TaskProcessSpec {
  app: AppDefinition;
  taskId: string;
  agent: Netns;
  env: Record<string, string>;
  cwd: string;
  shell: string;
  sandbox: string;
}

/**
 * Starts a task's command inside its agent's namespace, in a process group of its own: `cmd` by
 * the shell (`<shell> -c cmd`, as Mesos does), `args` directly. Output goes to the sandbox's
 * `stdout` (stderr too).
 */
export function startTaskProcess(s: TaskProcessSpec): ManagedProcess {
  const [file, ...rest] = s.app.cmd !== undefined ? [s.shell, '-c', s.app.cmd] : s.app.args!;
  const [cmd, args] = s.agent.wrap(file!, rest);
  return new ManagedProcess(s.taskId, cmd, args, { env: s.env, cwd: s.cwd, logFile: path.join(s.sandbox, 'stdout') });
}

/**
 * Kills a task the way its executor does: a Docker task's main process (the container's PID 1)
 * gets SIGTERM (`docker stop`), any other task's whole process tree does (Mesos's command
 * executor); whatever is left gets SIGKILL after the grace period. Returns a cancel for the
 * SIGKILL (once the task is gone).
 */
export function signalKill(proc: ManagedProcess, app: AppDefinition, graceMs: number): () => void {
  if (app.container.type === 'DOCKER') proc.kill('SIGTERM');
  else proc.killGroup('SIGTERM');
  const timer = setTimeout(() => proc.killGroup('SIGKILL'), graceMs);
  return () => clearTimeout(timer);
}
