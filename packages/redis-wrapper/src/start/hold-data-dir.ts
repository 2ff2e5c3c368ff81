import type { Wrapper } from '@redis-zk/core';
import { markDataDirStopping, waitForDataDir } from '../data-lock';

/**
 * Before anything reads or writes the data: one redis-server per data directory. The previous
 * task on this agent may still be stopping (an upgrade): it is waited for, bounded; one that runs
 * on and is not stopping ends this start at once (false: exit 1), so Marathon places the task
 * elsewhere. While held, the directory is marked stopping when this wrapper starts to stop.
 */
export async function holdDataDir(w: Wrapper<'redis-wrapper'>): Promise<boolean> {
  const { cfg, dataDir, log, task } = w;
  const dataLock = await waitForDataDir(dataDir, {
    timeoutMs: cfg.DATA_LOCK_WAIT_MS,
    onWaiting: (waiting) =>
      log.warn(
        {
          dataDir,
          lockFile: waiting.file,
          holder: waiting.holder,
          waitedMs: waiting.waitedMs,
          timeoutMs: waiting.timeoutMs,
          reason: 'another process holds the lock and is stopping (a previous task on this agent in its kill grace period)',
        },
        'waiting for the data directory lock',
      ),
  });
  if (!dataLock.held && dataLock.fatal) {
    log.error({ dataDir, reason: dataLock.reason }, 'data directory in use; exiting so the task is restarted after backoff');
    return false;
  }
  log[dataLock.held ? 'info' : 'warn']({ dataDir, reason: dataLock.reason }, dataLock.held ? 'data directory locked' : 'data directory not locked');
  if (!dataLock.held || !dataLock.holder) return true;
  // Registered first, so it runs first: on SIGTERM, before the handover, a task Marathon starts
  // beside this one on the directory learns that it may wait. Also when the wrapper ends otherwise.
  const holder = dataLock.holder;
  let marked = false;
  const markStopping = (why: string) => {
    if (marked) return;
    marked = true;
    try {
      markDataDirStopping(dataDir, holder);
      log.info({ dataDir, reason: why }, 'data directory marked stopping');
    } catch (err) {
      log.warn({ dataDir, err: String(err) }, 'could not mark the data directory stopping');
    }
  };
  task.onBeforeStop(async () => markStopping('stop requested: a task waiting for this directory may wait for it'));
  task.onExit(() => markStopping('the server exited'));
  return true;
}
