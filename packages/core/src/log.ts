import pino from 'pino';

export type Logger = pino.Logger;

/** JSON lines on stdout (Marathon/Mesos keep them); secrets are redacted wherever they appear. */
export function createLogger(name: string, level = process.env.LOG_LEVEL || 'info'): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    redact: { paths: ['password', '*.password', 'REDIS_PASSWORD', '*.REDIS_PASSWORD'], censor: '[hidden]' },
  });
}
