import { execFileSync } from 'node:child_process';

/** redis-benchmark SET and GET requests per second against a server. */
export function redisBenchmark(port: number, requests: number): { set: number; get: number } {
  const out = execFileSync('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-t', 'set,get', '-n', String(requests), '-c', '50', '-q', '--csv'], { encoding: 'utf8' });
  const rps = (name: string) => Number(new RegExp(`"${name}","([\\d.]+)"`).exec(out)?.[1] ?? NaN);
  return { set: rps('SET'), get: rps('GET') };
}
