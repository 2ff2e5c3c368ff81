'use strict';
// The footprint anchor: Node with the two clients every program of ours loads, each connected
// and used now and then, and nothing else. Plain CommonJS, run by plain `node` (no tsx loader).
// Usage: node bench/clients-only.cjs <redis-or-sentinel port> <ZooKeeper connect string>
const Redis = require('ioredis');
const zookeeper = require('node-zookeeper-client');

const [port, zkHosts] = process.argv.slice(2);
const redis = new Redis({ host: '127.0.0.1', port: Number(port) });
redis.on('error', () => undefined);
const zk = zookeeper.createClient(zkHosts, { sessionTimeout: 10000 });
zk.connect();
setInterval(() => {
  redis.ping().catch(() => undefined);
  zk.exists('/', () => undefined);
}, 3000);
