import { type AclUsers, type Address, bindLine, configLine, listenLines, redisUserLines, type TlsSettings } from '@redis-zk/core';

export interface RedisConfigInputs {
  bind: Address;
  announce: Address;
  dataDir: string;
  password: string | undefined;
  /** With TLS, PORT0 speaks TLS only and replication uses it. */
  tls?: TlsSettings | undefined;
  /** Absent for a master. */
  replicaOf: Address | undefined;
  /** maxmemory and maxmemory-policy directives (memory.ts). */
  memory?: ReadonlyArray<readonly [string, string]> | undefined;
  /** The ACL users the node defines (replication, Sentinel's, the application's); none = the default user alone. */
  users?: AclUsers | undefined;
  /** replica-priority from the node's tags (0: never promoted); absent: the base config's. */
  replicaPriority?: number | undefined;
}

/** The lines the wrapper adds to the base redis.conf. */
export function redisConfigLines(i: RedisConfigInputs): string[] {
  const lines = [
    bindLine(i.bind.host),
    ...listenLines(i.bind.port, i.tls),
    configLine('dir', i.dataDir),
    configLine('daemonize', 'no'),
    configLine('replica-announce-ip', i.announce.host),
    configLine('replica-announce-port', i.announce.port),
  ];
  for (const [directive, value] of i.memory ?? []) lines.push(configLine(directive, value));
  if (i.replicaPriority !== undefined) lines.push(configLine('replica-priority', i.replicaPriority));
  if (i.password) {
    lines.push(configLine('requirepass', i.password));
    // A replica logs in to its master as the replication user when there is one, else as the default user.
    const replication = i.users?.replication;
    if (replication) lines.push(configLine('masteruser', replication.name), configLine('masterauth', replication.password));
    else lines.push(configLine('masterauth', i.password));
    // The users are made only beside the default user's password: without it anyone is administrator.
    lines.push(...redisUserLines(i.users ?? {}));
  }
  // A master says so explicitly: a replicaof line in the base config must not make it a replica.
  lines.push(i.replicaOf ? configLine('replicaof', i.replicaOf.host, i.replicaOf.port) : configLine('replicaof', 'no', 'one'));
  return lines;
}
