import type { Task } from './env';

/** What marathon-lb reads of a Marathon app: its id, labels and health checks. */
export interface MarathonLbApp {
  id: string;
  labels: Record<string, string>;
  healthChecks?: ReadonlyArray<{ protocol: string; portIndex?: number; port?: number; path?: string }>;
}

/** marathon-lb's get_health_check: the first check with a fixed port, or on `portIndex`. */
const healthCheckFor = (app: MarathonLbApp, portIndex: number) => (app.healthChecks ?? []).find((c) => c.port || c.portIndex === portIndex);

/**
 * What marathon-lb (mesosphere/marathon-lb, marathon_lb.py and config.py) makes of an app's first
 * port, following its rules rather than what the labels mean to say:
 * - the health check of port 0 is its own, else (HAPROXY_0_BACKEND_HEALTHCHECK_PORT_INDEX) the one
 *   on that index; one of HTTP/HTTPS/MESOS_HTTP/MESOS_HTTPS found that way forces mode `http`,
 *   whatever HAPROXY_0_MODE says;
 * - an app in mode http joins the `marathon_http_appid_in` frontend (mode http, always rendered)
 *   through HAPROXY_0_HTTP_FRONTEND_APPID_ACL: a tcp backend there is a config HAProxy refuses;
 * - the per-server check options come from the TCP template when the mode is tcp or the check is
 *   TCP/MESOS_TCP, else from the HTTP one; `healthCheckPortOptions` is ` port <that index's port>`;
 * - per-server templates are stripped and prefixed with a blank; the others are Python
 *   `str.format` templates, which this follows for `{name}` fields.
 * Only port 0 is rendered (HAPROXY_1_ENABLED=false must keep the API port out: asserted).
 */
export function renderMarathonLbService(o: {
  app: MarathonLbApp;
  nodes: readonly Task[];
  bind: string;
  servicePort: number;
  /** Where marathon_http_appid_in binds (marathon-lb: *:9091). */
  appIdBind: string;
  statsSocket: string;
}): string {
  const { labels } = o.app;
  const fmt = (template: string, vars: Record<string, string | number>) =>
    template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  const label = (key: string, fallback?: string) => {
    const v = labels[`HAPROXY_0_${key}`] ?? fallback;
    if (v === undefined) throw new Error(`label HAPROXY_0_${key} missing`);
    return v;
  };
  if (labels.HAPROXY_1_ENABLED !== 'false') throw new Error('HAPROXY_1_ENABLED is not "false": marathon-lb would also expose the node API port');
  const backend = `${o.app.id.replace(/^\//, '').replace(/\//g, '_')}_${o.servicePort}`;
  let mode = (labels.HAPROXY_0_MODE ?? 'tcp').toLowerCase();
  let check = healthCheckFor(o.app, 0);
  const checkIndex = labels.HAPROXY_0_BACKEND_HEALTHCHECK_PORT_INDEX === undefined ? undefined : Number(labels.HAPROXY_0_BACKEND_HEALTHCHECK_PORT_INDEX);
  if (!check && checkIndex !== undefined) {
    check = healthCheckFor(o.app, checkIndex);
    if (check && ['HTTP', 'HTTPS', 'MESOS_HTTP', 'MESOS_HTTPS'].includes(check.protocol)) mode = 'http';
  }
  const tcpTemplates = mode === 'tcp' || check?.protocol === 'TCP' || check?.protocol === 'MESOS_TCP';
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
  let appIdFrontend = `\nfrontend marathon_http_appid_in\n  bind ${o.appIdBind}\n  mode http\n`;
  if (mode === 'http') {
    const cleanedUpAppId = o.app.id.replace(/[^a-zA-Z0-9-]/g, '_');
    appIdFrontend += fmt(
      label('HTTP_FRONTEND_APPID_ACL', '  acl app_{cleanedUpAppId} hdr(x-marathon-app-id) -i {appId}\n  use_backend {backend} if app_{cleanedUpAppId}\n'),
      {
        cleanedUpAppId,
        appId: o.app.id,
        backend,
      },
    );
  }
  let backends = fmt(label('BACKEND_HEAD'), { backend, balance: 'roundrobin', mode });
  if (mode === 'http') backends += label('BACKEND_HTTP_OPTIONS');
  // The check's port: that index's port of the same task (redis's 0, the node API's 1); none without the label.
  const portOf = (n: Task) => (checkIndex === undefined ? undefined : checkIndex === 1 ? n.apiPort : n.port);
  if (check) backends += fmt(label(tcpTemplates ? 'BACKEND_TCP_HEALTHCHECK_OPTIONS' : 'BACKEND_HTTP_HEALTHCHECK_OPTIONS'), {});
  o.nodes.forEach((n, i) => {
    const healthCheckOptions = check
      ? fmt(blankPrefix(label(tcpTemplates ? 'BACKEND_SERVER_TCP_HEALTHCHECK_OPTIONS' : 'BACKEND_SERVER_HTTP_HEALTHCHECK_OPTIONS')), {
          healthCheckPortOptions: portOf(n) ? ` port ${portOf(n)}` : '',
          healthCheckPort: portOf(n) ?? '',
        })
      : '';
    backends += fmt(label('BACKEND_SERVER_OPTIONS'), {
      serverName: `127_0_0_1_${n.port}`,
      host: '127.0.0.1',
      host_ipv4: '127.0.0.1',
      port: n.port,
      serverId: i + 1,
      cookieOptions: '',
      healthCheckOptions,
      otherOptions: '',
    });
  });
  return `${head}\n${frontends}${appIdFrontend}${backends}`;
}
