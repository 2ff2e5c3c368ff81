import pino from 'pino';

export type Logger = pino.Logger;

/** Fields that hold a secret, wherever a log call puts them (top level or one object down). */
const SECRET_FIELDS = ['password', 'sentinelPassword', 'REDIS_PASSWORD', 'SENTINEL_PASSWORD', 'ZK_AUTH', 'auth', 'security', 'tls', 'key'];
const SECRET_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]);

/** JSON lines on stdout (Marathon/Mesos keep them); secrets are redacted wherever they appear. */
export function createLogger(name: string, level = process.env.LOG_LEVEL || 'info'): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    redact: { paths: SECRET_PATHS, censor: '[hidden]' },
  });
}
