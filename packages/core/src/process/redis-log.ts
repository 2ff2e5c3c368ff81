/** A line of redis-server's or redis-sentinel's own log, as a structured log entry. */
export interface RedisLogLine {
  readonly level: 'debug' | 'info' | 'warn';
  /** Who wrote it: master, replica, sentinel, child (a fork writing RDB/AOF); absent when the line has no prefix. */
  readonly role?: 'master' | 'replica' | 'sentinel' | 'child';
  /** The writing process (the server, or its fork). */
  readonly serverPid?: number;
  /** The server's own timestamp, as written (`30 Nov 2026 06:40:01.123`). */
  readonly serverTime?: string;
  readonly msg: string;
}

const ROLES = { M: 'master', S: 'replica', X: 'sentinel', C: 'child' } as const;
/** redis's level markers (serverLog): `.` debug, `-` verbose, `*` notice, `#` warning. */
const LEVELS = { '.': 'debug', '-': 'debug', '*': 'info', '#': 'warn' } as const;

const LINE = /^(\d+):([MSXC]) (\d{1,2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3}) ([.\-*#]) (.*)$/;

/**
 * Parses one line of redis's log format (`<pid>:<role> <day> <month> <year> <time> <level> <msg>`,
 * pure). Anything else (a banner line, a crash report's stack) is kept whole at info.
 *
 * | line                                                    | level | role     |
 * |---------------------------------------------------------|-------|----------|
 * | `123:M 30 Nov 2026 06:40:01.123 * Ready to accept …`    | info  | master   |
 * | `123:S … # Connection with master lost`                 | warn  | replica  |
 * | `123:X … # +sdown master mymaster 10.0.0.1 6379`        | warn  | sentinel |
 * | `124:C … * DB saved on disk`                            | info  | child    |
 * | `123:M … - Accepted 127.0.0.1:5000` / `.`               | debug | master   |
 * | anything else                                           | info  | —        |
 */
export function parseRedisLogLine(line: string): RedisLogLine {
  const m = LINE.exec(line.trimEnd());
  if (!m) return { level: 'info', msg: line.trimEnd() };
  const [, pid, role, time, marker, msg] = m as unknown as [string, string, keyof typeof ROLES, string, keyof typeof LEVELS, string];
  return { level: LEVELS[marker], role: ROLES[role], serverPid: Number(pid), serverTime: time, msg };
}
