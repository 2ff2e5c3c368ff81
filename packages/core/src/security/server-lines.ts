import { configLine } from '../server-config/render';
import type { TlsSettings } from './settings';

/**
 * Where a server listens: PORT0 in plain TCP, or with TLS, PORT0 in TLS only (`port 0` closes
 * the plain port) with the certificate, the CA, whether clients must present a certificate, and
 * TLS for the server's own outgoing links (replication; Sentinel's links to redis and to the
 * other sentinels).
 */
export function listenLines(port: number, tls: TlsSettings | undefined): string[] {
  if (!tls) return [configLine('port', port)];
  return [
    configLine('port', 0),
    configLine('tls-port', port),
    configLine('tls-cert-file', tls.certFile),
    configLine('tls-key-file', tls.keyFile),
    configLine('tls-ca-cert-file', tls.caFile),
    configLine('tls-auth-clients', tls.authClients),
    configLine('tls-replication', 'yes'),
  ];
}
