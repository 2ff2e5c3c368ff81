// Connects through the sentinels the watcher lists, writes and reads a key.
// Usage: WATCHER_URL=http://watcher.example:8080 REDIS_PASSWORD=... node examples/ioredis-client.js
// With the deployment's ACL users (docs/clients.md): REDIS_USERNAME=app REDIS_PASSWORD=<APP_PASSWORD>
// SENTINEL_USERNAME=discovery SENTINEL_PASSWORD=<DISCOVERY_PASSWORD>.
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
    username: process.env.REDIS_USERNAME || undefined, // redis: the application's user (none: the default user)
    password, // redis: that user's password (the default user's: requirepass)
    sentinelUsername: process.env.SENTINEL_USERNAME || undefined, // Sentinel: the discovery user
    sentinelPassword: process.env.SENTINEL_PASSWORD || password, // Sentinel: that user's password (or its requirepass)
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
