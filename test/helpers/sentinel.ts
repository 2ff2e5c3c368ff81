import Redis from 'ioredis';
import { formatAddress } from '../../packages/core/src/address';
import { pairsToMap, parseSentinelReplicas } from '../../packages/core/src/sentinel/query';
import { testAuth } from './client-auth';

/** One question to a sentinel (or redis) on loopback, as testAuth(); a fresh connection each time. */
export async function ask(port: number, ...args: string[]): Promise<unknown> {
  const r = new Redis({
    ...testAuth(),
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 2000,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await r.call(args[0]!, ...args.slice(1));
  } finally {
    r.disconnect();
  }
}

/** SENTINEL MASTER <name> as a map, or undefined when not monitored / not reachable. */
export async function sentinelMaster(port: number, name: string): Promise<Map<string, string> | undefined> {
  try {
    return pairsToMap(await ask(port, 'SENTINEL', 'MASTER', name));
  } catch {
    return undefined;
  }
}

export async function sentinelMasterAddr(port: number, name: string): Promise<string | undefined> {
  const m = await sentinelMaster(port, name);
  return m ? `${m.get('ip')}:${m.get('port')}` : undefined;
}

/** SENTINEL REPLICAS <name>, parsed by core's parser: address and whether Sentinel counts its link up. */
export async function sentinelReplicasOf(port: number, name: string): Promise<Array<{ address: string; linkOk: boolean }>> {
  try {
    return parseSentinelReplicas(await ask(port, 'SENTINEL', 'REPLICAS', name)).map((r) => ({ address: formatAddress(r.address), linkOk: r.ok }));
  } catch {
    return [];
  }
}
