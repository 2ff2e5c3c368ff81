import { type Address, formatAddress } from '../address';
import type { Supervised } from '../process/supervisor';
import { sleep } from '../time';
import { withRedis } from './connect';

/**
 * Resolves once the server answers PING. Waits as long as the process lives (loading a large
 * dataset takes a while; Marathon's health check bounds it); rejects if the process exits.
 */
export async function waitUntilAnswers(address: Address, password: string | undefined, server: Supervised): Promise<void> {
  // Polled often: a replica's start sits inside the election lock, so every ms here is paid by
  // every contender queued behind it.
  for (let delay = 10; server.running; delay = Math.min(delay + 10, 200)) {
    const answered = await withRedis(address, { password, timeoutMs: 1000 }, async (r) => (await r.ping()) === 'PONG').catch(() => false);
    if (answered) return;
    await sleep(delay);
  }
  throw new Error(`${server.bin} at ${formatAddress(address)} exited before answering PING`);
}
