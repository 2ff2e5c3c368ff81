// Connects through the sentinels the watcher lists, writes and reads a key.
// Usage: WATCHER_URL=http://watcher.example:8080 node examples/ioredis-client.js
const Redis = require('ioredis');

async function main() {
  const watcher = process.env.WATCHER_URL || 'http://127.0.0.1:8080';
  const sentinels = await (await fetch(`${watcher}/sentinels`)).json(); // [{host, port}, ...]
  const redis = new Redis({
    sentinels,
    name: process.env.MASTER_NAME || 'mymaster',
    password: process.env.REDIS_PASSWORD || undefined,
  });
  await redis.set('greeting', 'hello from ioredis');
  console.log(await redis.get('greeting'));
  redis.disconnect();
}

main().catch((err) => { console.error(err); process.exit(1); });
