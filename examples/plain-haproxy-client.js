// A client without Sentinel support, through HAProxy (conf/haproxy.cfg, or `redis-zk haproxy-config`):
// it only knows a fixed host:port. Writes (INCR) go to the write endpoint, reads to the read one, every 200 ms.
// After a failover HAProxy cuts its connection (on-marked-down shutdown-sessions) and it simply
// reconnects to the same address, now the new master. The same works with redis-cli:
//   REDISCLI_AUTH=... redis-cli -h haproxy.example -p 6379 INCR example:counter
// Usage: REDIS_WRITE=haproxy.example:6379 REDIS_READ=haproxy.example:6380 REDIS_PASSWORD=... node examples/plain-haproxy-client.js
// Stops on SIGTERM/SIGINT, printing a summary.
'use strict';
const Redis = require('ioredis');

const say = (line) => console.log(`${new Date().toISOString()} ${line}`);
const endpoint = (text) => {
  const i = text.lastIndexOf(':');
  return { host: text.slice(0, i), port: Number(text.slice(i + 1)) };
};

async function main() {
  const password = process.env.REDIS_PASSWORD || undefined;
  const common = { username: process.env.REDIS_USERNAME || undefined, password, retryStrategy: () => 100, maxRetriesPerRequest: 1, connectTimeout: 2000 };
  const writer = new Redis({ ...endpoint(process.env.REDIS_WRITE || '127.0.0.1:6379'), ...common });
  const reader = process.env.REDIS_READ ? new Redis({ ...endpoint(process.env.REDIS_READ), ...common }) : writer;
  for (const c of new Set([writer, reader])) c.on('error', () => undefined);
  let stop = false;
  const summary = { writes: 0, failedWrites: 0, reads: 0 };
  for (const sig of ['SIGTERM', 'SIGINT'])
    process.once(sig, () => {
      stop = true;
    });
  while (!stop) {
    try {
      const n = await writer.incr('example:plain');
      summary.writes += 1;
      say(`write ok ${n}`);
      const seen = await reader.get('example:plain');
      summary.reads += 1;
      if (summary.reads % 10 === 1) say(`read: ${seen}`);
    } catch (err) {
      summary.failedWrites += 1;
      say(`write failed: ${err.message}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const c of new Set([writer, reader])) c.disconnect();
  say(`summary ${JSON.stringify(summary)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
