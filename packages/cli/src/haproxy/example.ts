import type { HaproxyInputs } from './render';

/**
 * The example behind conf/haproxy.cfg (a test keeps the file equal to its rendering): three nodes
 * on fixed hosts with redis on 6379 and the node API on its default port, 8008 (outside Marathon).
 */
export const EXAMPLE: HaproxyInputs = {
  set: 'mymaster',
  nodes: ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((host) => ({ redis: { host, port: 6379 }, api: { host, port: 8008 } })),
  writeBind: { host: '0.0.0.0', port: 6379 },
  readBind: { host: '0.0.0.0', port: 6380 },
  maxLagBytes: 1048576,
};
