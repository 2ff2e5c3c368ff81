import pino from 'pino';
import { safeError } from './safe-error';

export type Logger = pino.Logger;

/** Fields that hold a secret, wherever a log call puts them (top level or one object down). */
const SECRET_FIELDS = [
  'password',
  'sentinelPassword',
  'REDIS_PASSWORD',
  'SENTINEL_PASSWORD',
  'REPLICATION_PASSWORD',
  'SENTINEL_AUTH_PASSWORD',
  'APP_PASSWORD',
  'DISCOVERY_PASSWORD',
  'ZK_AUTH',
  'auth',
  'users',
  'security',
  'tls',
  'key',
];
const SECRET_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]);

/**
 * JSON lines on stdout (Marathon/Mesos keep them), or on the file descriptor given (the CLI's
 * logs go to stderr); secrets are redacted wherever they appear, and an error logged as `err` or
 * `error` (an object or its text) never shows a command's arguments (safe-error.ts).
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL || 'info', fd = 1): Logger {
  const options = {
    name,
    level,
    base: { pid: process.pid },
    redact: { paths: SECRET_PATHS, censor: '[hidden]' },
    serializers: { err: safeError, error: safeError },
  };
  return fd === 1 ? pino(options) : pino(options, pino.destination({ fd, sync: true }));
}
