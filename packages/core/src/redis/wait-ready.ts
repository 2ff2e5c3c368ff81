import { type Address, formatAddress } from '../address';
import type { Supervised } from '../process/supervisor';
import { sleep } from '../time';
import { withRedis, withSentinel } from './connect';

/**
 * Resolves once the server (a redis node, or a sentinel: each with its own password) answers PING. Waits as long as the process lives (loading a large
 * dataset takes a while; Marathon's health check bounds it); rejects if the process exits.
 */
export async function waitUntilAnswers(address: Address, serves: 'redis' | 'sentinel', server: Supervised): Promise<void> {
  const ask = serves === 'sentinel' ? withSentinel : withRedis;
  // Polled often: a replica's start sits inside the election lock, so every ms here is paid by
  // every contender queued behind it.
  for (let delay = 10; server.running; delay = Math.min(delay + 10, 200)) {
    const answered = await ask(address, { timeoutMs: 1000 }, async (r) => (await r.ping()) === 'PONG').catch(() => false);
    if (answered) return;
    await sleep(delay);
  }
  throw new Error(`${server.bin} at ${formatAddress(address)} exited before answering PING`);
}
