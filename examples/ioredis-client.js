// Connects through the sentinels the watcher lists, writes and reads a key.
// Usage: WATCHER_URL=http://watcher.example:8080 REDIS_PASSWORD=... node examples/ioredis-client.js
// With TLS, also REDIS_TLS_CA_FILE, and REDIS_TLS_CERT_FILE + REDIS_TLS_KEY_FILE when the servers
// ask clients for a certificate (REDIS_TLS_AUTH_CLIENTS=yes, the default).
const fs = require('node:fs');
const Redis = require('ioredis');

function tlsOptions() {
  const { REDIS_TLS_CA_FILE: ca, REDIS_TLS_CERT_FILE: cert, REDIS_TLS_KEY_FILE: key } = process.env;
  if (!ca) return undefined;
  return {
    ca: fs.readFileSync(ca),
    cert: cert ? fs.readFileSync(cert) : undefined,
    key: key ? fs.readFileSync(key) : undefined,
    // Servers are dialled at the IP addresses Sentinel announces: trust comes from the CA.
    checkServerIdentity: () => undefined,
  };
}

async function main() {
  const watcher = process.env.WATCHER_URL || 'http://127.0.0.1:8080';
  const sentinels = await (await fetch(`${watcher}/sentinels`)).json(); // [{host, port}, ...]
  const password = process.env.REDIS_PASSWORD || undefined;
  const tls = tlsOptions();
  const redis = new Redis({
    sentinels,
    name: process.env.MASTER_NAME || 'mymaster',
    password, // redis: requirepass
    sentinelPassword: process.env.SENTINEL_PASSWORD || password, // Sentinel's own requirepass
    tls, // to the master
    sentinelTLS: tls, // to the sentinels
    enableTLSForSentinelMode: !!tls,
  });
  await redis.set('greeting', 'hello from ioredis');
  console.log(await redis.get('greeting'));
  redis.disconnect();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
