/**
 * Child process of test/ports.test.ts: `take-ports.ts <count> <startAt epoch ms>` takes that many
 * ports from startAt on, prints them as one JSON line, then holds them until stdin closes.
 */
import { freePort } from '../../packages/local-stack/src/ports';

async function main(): Promise<void> {
  const [count, startAt] = process.argv.slice(2).map(Number);
  await new Promise((r) => setTimeout(r, Math.max(0, startAt! - Date.now())));
  const ports: number[] = [];
  for (let i = 0; i < count!; i += 1) ports.push(await freePort());
  process.stdout.write(`${JSON.stringify(ports)}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

void main();
