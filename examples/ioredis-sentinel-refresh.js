// A long-running ioredis client through Sentinel that keeps its sentinel list current, and reads
// from replicas. Writes (INCR) go to the master, reads to a replica, every 200 ms.
// Usage: WATCHER_URL=http://watcher.example:8080 REDIS_PASSWORD=... node examples/ioredis-sentinel-refresh.js
//   SENTINEL_REFRESH_MS  how often to ask the watcher for the sentinels (default 30000)
//   MASTER_NAME          the replica set (default mymaster)
//   REDIS_USERNAME, SENTINEL_USERNAME (with SENTINEL_PASSWORD)  the deployment's app and discovery users
// Stops on SIGTERM/SIGINT, printing a summary. (TLS: as in ioredis-client.js.)
'use strict';
const Redis = require('ioredis');

const watcher = process.env.WATCHER_URL || 'http://127.0.0.1:8080';
const name = process.env.MASTER_NAME || 'mymaster';
const password = process.env.REDIS_PASSWORD || undefined;
const refreshMs = Number(process.env.SENTINEL_REFRESH_MS || 30000);
const say = (line) => console.log(`${new Date().toISOString()} ${line}`);
const show = (list) =>
  list
    .map((s) => `${s.host}:${s.port}`)
    .sort()
    .join(',');

async function sentinelsFromWatcher() {
  const res = await fetch(`${watcher}/sentinels`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`watcher answered ${res.status}`);
  return res.json(); // [{host, port}, ...]
}

// ioredis learns new sentinels by itself (SENTINEL SENTINELS, each time it connects), but only
// from a sentinel it already knows: once every sentinel it knew has been replaced (Marathon moves
// them), only the watcher knows the new ones. ioredis has no public call for that, so this sets
// the list its connector walks on the next (re)connection (ioredis 5 and 6).
function useSentinels(client, list) {
  const iterator = client.connector?.sentinelIterator;
  if (!iterator || !Array.isArray(iterator.sentinels)) return false;
  iterator.sentinels.splice(0, iterator.sentinels.length, ...list.map((s) => ({ host: s.host, port: s.port })));
  iterator.reset(false);
  return true;
}

async function main() {
  let sentinels = await sentinelsFromWatcher();
  const options = {
    sentinels,
    name,
    username: process.env.REDIS_USERNAME || undefined,
    password,
    sentinelUsername: process.env.SENTINEL_USERNAME || undefined,
    sentinelPassword: process.env.SENTINEL_PASSWORD || password,
    sentinelRetryStrategy: () => 200,
    retryStrategy: () => 200,
    maxRetriesPerRequest: 1,
  };
  const master = new Redis(options);
  const replica = new Redis({ ...options, role: 'slave' }); // a replica Sentinel lists (the master if none)
  for (const c of [master, replica]) c.on('error', () => undefined);
  say(`sentinels: ${show(sentinels)}`);

  const refresh = setInterval(async () => {
    try {
      const now = await sentinelsFromWatcher();
      if (now.length === 0 || show(now) === show(sentinels)) return;
      sentinels = now;
      const applied = [master, replica].every((c) => useSentinels(c, now));
      say(`sentinels refreshed: ${show(now)}${applied ? '' : ' (this ioredis version keeps its own list)'}`);
    } catch (err) {
      say(`sentinel refresh failed: ${err.message}`); // the list in use stays
    }
  }, refreshMs);

  let stop = false;
  const summary = { writes: 0, failedWrites: 0, replicaReads: 0 };
  for (const sig of ['SIGTERM', 'SIGINT'])
    process.once(sig, () => {
      stop = true;
    });
  while (!stop) {
    try {
      const n = await master.incr('example:counter');
      summary.writes += 1;
      say(`write ok ${n}`);
      const seen = await replica.get('example:counter');
      summary.replicaReads += 1;
      if (summary.replicaReads % 10 === 1) say(`read from replica: ${seen}`);
    } catch (err) {
      summary.failedWrites += 1;
      say(`write failed: ${err.message}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  clearInterval(refresh);
  master.disconnect();
  replica.disconnect();
  say(`summary ${JSON.stringify(summary)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
