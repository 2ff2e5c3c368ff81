import { type Address, formatAddress, isHost } from '@redis-zk/core';

export interface HaproxyNode {
  /** Where redis answers (as announced). */
  readonly redis: Address;
  /** Where its redis-wrapper's node API answers (PORT1). */
  readonly api: Address;
}

export interface HaproxyInputs {
  readonly set: string;
  readonly nodes: readonly HaproxyNode[];
  /** Where clients connect to write (the master). */
  readonly writeBind: Address;
  /** Where clients connect to read from a replica; none = no read endpoint. */
  readonly readBind?: Address | undefined;
  /** A replica lagging more than this (bytes) takes no reads. */
  readonly maxLagBytes: number;
  /** HAProxy's runtime API socket (`show stat`, `show servers state`), if wanted. */
  readonly statsSocket?: string | undefined;
}

/**
 * The health-check timing both endpoints use: a server is checked every 500 ms (100 ms while it
 * changes state, and while it is down), marked down after 2 failures and up after 1 success.
 * `/primary` never passes on two nodes at once (a Sentinel majority and ZooKeeper must both name
 * it), so one success is enough; `on-marked-down shutdown-sessions` cuts the clients of a master
 * that stops passing, so they reconnect to the new one.
 */
export const CHECK_TIMING = 'inter 500ms fastinter 100ms downinter 100ms fall 2 rise 1 on-marked-down shutdown-sessions';

const SAFE_PATH = /^[A-Za-z0-9/._-]+$/;

const serverName = (a: Address) => `node_${formatAddress(a).replace(/[^A-Za-z0-9]/g, '_')}`;
const bind = (a: Address) => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

/**
 * An HAProxy configuration (2.4 or later) for one replica set (pure): a write endpoint that sends
 * every connection to the node whose node API answers `/primary` 200, and optionally a read
 * endpoint over the nodes answering `/replica?lag=` 200 (the master when none does). Redis
 * traffic is passed through as TCP, TLS included; the checks are plain HTTP to each node's API
 * port (`check port`).
 */
export function renderHaproxyConfig(inputs: HaproxyInputs): string {
  // HAProxy's grammar: a space splits words, `#` starts a comment, quotes and `$` expand. Set names and
  // addresses are checked where they are read (isSetName, parseAddress); a path from the command line is refused here.
  if (inputs.statsSocket !== undefined && !SAFE_PATH.test(inputs.statsSocket)) {
    throw new Error(`stats socket path ${JSON.stringify(inputs.statsSocket)} must be letters, digits and "/._-" only`);
  }
  for (const n of inputs.nodes) for (const a of [n.redis, n.api]) if (!isHost(a.host)) throw new Error(`not an address: ${JSON.stringify(a.host)}`);
  const set = inputs.set.replace(/[^A-Za-z0-9_.-]/g, '_');
  const servers = inputs.nodes.map(
    (n) => `    server ${serverName(n.redis)} ${formatAddress(n.redis)} check port ${n.api.port}${n.api.host !== n.redis.host ? ` addr ${n.api.host}` : ''}`,
  );
  const lines = [
    `# HAProxy for the redis-zk replica set "${set}": clients without Sentinel support connect here.`,
    '# Made by `redis-zk haproxy-config` from what ZooKeeper lists; run it again (and reload HAProxy)',
    "# when tasks move. Each node's redis-wrapper answers GET /primary and GET /replica on its API port.",
    'global',
    '    maxconn 4096',
    ...(inputs.statsSocket ? [`    stats socket ${inputs.statsSocket} mode 600 level admin`] : []),
    '',
    'defaults',
    '    mode tcp',
    '    timeout connect 2s',
    '    # Redis connections idle for long (pub/sub, blocking commands, pools).',
    '    timeout client 1h',
    '    timeout server 1h',
    '    timeout check 1s',
    `    default-server ${CHECK_TIMING}`,
    '',
    `frontend redis_${set}_write`,
    `    bind ${bind(inputs.writeBind)}`,
    `    default_backend redis_${set}_primary`,
    '',
    `backend redis_${set}_primary`,
    '    # Only the master a Sentinel majority and ZooKeeper both name passes.',
    '    balance first',
    '    option httpchk GET /primary',
    '    http-check expect status 200',
    ...servers,
  ];
  if (inputs.readBind) {
    lines.push(
      '',
      `frontend redis_${set}_read`,
      `    bind ${bind(inputs.readBind)}`,
      `    use_backend redis_${set}_primary if { nbsrv(redis_${set}_replicas) eq 0 }`,
      `    default_backend redis_${set}_replicas`,
      '',
      `backend redis_${set}_replicas`,
      `    # Replicas of the set's master with their link up, at most ${inputs.maxLagBytes} bytes behind.`,
      '    balance leastconn',
      `    option httpchk GET /replica?lag=${inputs.maxLagBytes}`,
      '    http-check expect status 200',
      ...servers,
    );
  }
  return `${lines.join('\n')}\n`;
}
