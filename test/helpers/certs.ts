import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface TestCerts {
  readonly dir: string;
  readonly caFile: string;
  /** The servers' certificate (also their client certificate: replication, Sentinel links, probes). */
  readonly certFile: string;
  readonly keyFile: string;
  /** An application client's own certificate, signed by the same CA. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

const openssl = (cwd: string, ...args: string[]) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

/**
 * A throwaway CA and certificates signed by it, made with openssl: the servers' (for 127.0.0.1,
 * usable for server and client authentication) and a client's. Keys are mode 0600.
 */
export function makeCerts(dir: string): TestCerts {
  fs.mkdirSync(dir, { recursive: true });
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=redis-zk test CA');
  const sign = (name: string, ext: string) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=redis-zk ${name}`);
    openssl(
      dir,
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
    fs.chmodSync(path.join(dir, `${name}.key`), 0o600);
  };
  sign('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  sign('client', 'extendedKeyUsage=clientAuth\n');
  fs.chmodSync(path.join(dir, 'ca.key'), 0o600);
  const f = (name: string) => path.join(dir, name);
  return { dir, caFile: f('ca.crt'), certFile: f('server.crt'), keyFile: f('server.key'), clientCertFile: f('client.crt'), clientKeyFile: f('client.key') };
}

/** The environment that turns TLS on for every program. */
export const tlsEnv = (c: TestCerts): Record<string, string> => ({
  REDIS_TLS_ENABLED: 'yes',
  REDIS_TLS_CERT_FILE: c.certFile,
  REDIS_TLS_KEY_FILE: c.keyFile,
  REDIS_TLS_CA_FILE: c.caFile,
});
