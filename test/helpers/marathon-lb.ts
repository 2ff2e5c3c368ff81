import type { Task } from './env';

/**
 * What marathon-lb makes of the redis app's labels for its first port (tcp mode, the health check
 * found through HAPROXY_0_BACKEND_HEALTHCHECK_PORT_INDEX), following its templating: Python
 * `str.format` of each template with the variables marathon-lb passes, the per-server health-check
 * template stripped and prefixed with a blank. `apiCheck` false: the app has no health check on
 * the API port (the labels must then fail safe).
 */
export function renderMarathonLbTcpService(o: {
  labels: Record<string, string>;
  app: string;
  nodes: readonly Task[];
  bind: string;
  servicePort: number;
  apiCheck: boolean;
  statsSocket: string;
}): string {
  const fmt = (template: string, vars: Record<string, string | number>) =>
    template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  const label = (key: string) => {
    const v = o.labels[`HAPROXY_0_${key}`];
    if (v === undefined) throw new Error(`label HAPROXY_0_${key} missing`);
    return v;
  };
  const backend = `${o.app.replace(/^\//, '').replace(/\//g, '_')}_${o.servicePort}`;
  const mode = o.labels.HAPROXY_0_MODE ?? 'tcp';
  const blankPrefix = (s: string) => (s.trim() ? ` ${s.trim()}` : '');
  const head = [
    'global',
    `  stats socket ${o.statsSocket} mode 600 level admin`,
    '  maxconn 4096', // marathon-lb's is 50000: more file descriptors than this machine's limit
    'defaults',
    '  retries 3',
    '  maxconn 4096',
    '  timeout connect 3s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout tunnel 3600s',
    '  timeout queue 30s',
    '  option redispatch',
    '  option http-server-close',
    '  option dontlognull',
  ].join('\n');
  let frontends = fmt(label('FRONTEND_HEAD'), { bindAddr: o.bind, backend, servicePort: o.servicePort, mode, sslCert: '', bindOptions: '' });
  frontends += `  use_backend ${backend}\n`;
  let backends = fmt(label('BACKEND_HEAD'), { backend, balance: 'roundrobin', mode });
  if (o.apiCheck) backends += fmt(label('BACKEND_TCP_HEALTHCHECK_OPTIONS'), {});
  o.nodes.forEach((n, i) => {
    const serverName = `127_0_0_1_${n.port}`;
    const healthCheckOptions = o.apiCheck
      ? fmt(blankPrefix(label('BACKEND_SERVER_TCP_HEALTHCHECK_OPTIONS')), { healthCheckPortOptions: ` port ${n.apiPort}`, healthCheckPort: n.apiPort })
      : '';
    backends += fmt(label('BACKEND_SERVER_OPTIONS'), {
      serverName,
      host: '127.0.0.1',
      host_ipv4: '127.0.0.1',
      port: n.port,
      serverId: i + 1,
      cookieOptions: '',
      healthCheckOptions,
      otherOptions: '',
    });
  });
  return `${head}\n${frontends}${backends}`;
}
