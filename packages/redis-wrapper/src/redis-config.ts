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
export function redisConfigLines(inputs: RedisConfigInputs): string[] {
  const lines = [
    bindLine(inputs.bind.host),
    ...listenLines(inputs.bind.port, inputs.tls),
    configLine('dir', inputs.dataDir),
    configLine('daemonize', 'no'),
    configLine('replica-announce-ip', inputs.announce.host),
    configLine('replica-announce-port', inputs.announce.port),
  ];
  for (const [directive, value] of inputs.memory ?? []) lines.push(configLine(directive, value));
  if (inputs.replicaPriority !== undefined) lines.push(configLine('replica-priority', inputs.replicaPriority));
  if (inputs.password) {
    lines.push(configLine('requirepass', inputs.password));
    // A replica logs in to its master as the replication user when there is one, else as the default user.
    const replication = inputs.users?.replication;
    if (replication) lines.push(configLine('masteruser', replication.name), configLine('masterauth', replication.password));
    else lines.push(configLine('masterauth', inputs.password));
    // The users are made only beside the default user's password: without it anyone is administrator.
    lines.push(...redisUserLines(inputs.users ?? {}));
  }
  // A master says so explicitly: a replicaof line in the base config must not make it a replica.
  lines.push(inputs.replicaOf ? configLine('replicaof', inputs.replicaOf.host, inputs.replicaOf.port) : configLine('replicaof', 'no', 'one'));
  return lines;
}
