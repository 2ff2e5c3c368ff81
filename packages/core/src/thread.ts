/**
 * What the programs' HTTP threads need of core, and nothing else: a thread is bundled with only
 * the modules it loads (scripts/bundle.mjs), so it imports this entry (`@redis-zk/core/thread`)
 * instead of the whole of core.
 */
export { hostPort } from './address';
export { closeServer, listen } from './http/server';
export { runThread, threadPort } from './http/thread-port';
export { createLogger } from './log';
