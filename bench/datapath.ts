import { execFileSync } from 'node:child_process';
import { baseGoesFirst } from './figures';

/** redis-benchmark SET and GET requests per second against a server. */
export function redisBenchmark(port: number, requests: number): { set: number; get: number } {
  const out = execFileSync('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-t', 'set,get', '-n', String(requests), '-c', '50', '-q', '--csv'], {
    encoding: 'utf8',
  });
  const rps = (name: string) => Number(new RegExp(`"${name}","([\\d.]+)"`).exec(out)?.[1] ?? NaN);
  return { set: rps('SET'), get: rps('GET') };
}

export interface DataPathSamples {
  set: number[];
  get: number[];
}

/**
 * Many short runs against each master, in ABBA order. On this VM one run's throughput varies by
 * ~15% with the machine from second to second, and that drift is slow: back-to-back short runs
 * see the same machine, where a few long ones each see a different one.
 */
export function dataPathPairs(
  oursPort: number,
  basePort: number,
  pairs: number,
  requests: number,
  run = redisBenchmark,
): { ours: DataPathSamples; base: DataPathSamples } {
  const ours: DataPathSamples = { set: [], get: [] };
  const base: DataPathSamples = { set: [], get: [] };
  const record = (into: DataPathSamples, r: { set: number; get: number }) => {
    into.set.push(r.set);
    into.get.push(r.get);
  };
  for (let i = 0; i < pairs; i += 1) {
    const b = baseGoesFirst(i) ? run(basePort, requests) : undefined;
    record(ours, run(oursPort, requests));
    record(base, b ?? run(basePort, requests));
  }
  return { ours, base };
}
