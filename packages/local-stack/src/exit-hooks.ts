/**
 * Synchronous clean-ups that must run however this process ends: normal exit, an uncaught
 * exception (Node emits 'exit' for it), or SIGINT/SIGTERM/SIGHUP (which by default end the process
 * without 'exit'). Only SIGKILL escapes; what it leaves behind, the next run's sweep removes.
 */
const hooks = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const hook of [...hooks]) {
    hooks.delete(hook);
    try {
      hook();
    } catch {
      /* the others must still run */
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      runAll();
      // If nobody else handles the signal, end the way the signal would have.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/** Registers `hook`; the returned function unregisters it (after a clean stop). */
export function onExit(hook: () => void): () => void {
  install();
  hooks.add(hook);
  return () => {
    hooks.delete(hook);
  };
}
