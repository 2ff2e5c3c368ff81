import test from 'ava';
import { parseRedisLogLine } from '../../packages/core/src/process/redis-log';

const cases: Array<[string, ReturnType<typeof parseRedisLogLine>]> = [
  [
    '123:M 30 Nov 2026 06:40:01.123 * Ready to accept connections tcp',
    { level: 'info', role: 'master', serverPid: 123, serverTime: '30 Nov 2026 06:40:01.123', msg: 'Ready to accept connections tcp' },
  ],
  [
    '77:S 1 Dec 2026 00:00:00.000 # Connection with master lost.',
    { level: 'warn', role: 'replica', serverPid: 77, serverTime: '1 Dec 2026 00:00:00.000', msg: 'Connection with master lost.' },
  ],
  [
    '9:X 30 Nov 2026 06:40:01.123 # +sdown master mymaster 10.0.0.1 6379',
    { level: 'warn', role: 'sentinel', serverPid: 9, serverTime: '30 Nov 2026 06:40:01.123', msg: '+sdown master mymaster 10.0.0.1 6379' },
  ],
  [
    '124:C 30 Nov 2026 06:40:01.123 * DB saved on disk',
    { level: 'info', role: 'child', serverPid: 124, serverTime: '30 Nov 2026 06:40:01.123', msg: 'DB saved on disk' },
  ],
  [
    '123:M 30 Nov 2026 06:40:01.123 - Accepted 127.0.0.1:5000',
    { level: 'debug', role: 'master', serverPid: 123, serverTime: '30 Nov 2026 06:40:01.123', msg: 'Accepted 127.0.0.1:5000' },
  ],
  [
    '123:M 30 Nov 2026 06:40:01.123 . Client closed connection',
    { level: 'debug', role: 'master', serverPid: 123, serverTime: '30 Nov 2026 06:40:01.123', msg: 'Client closed connection' },
  ],
  [
    '=== REDIS BUG REPORT START: Cut & paste starting from here ===\r',
    { level: 'info', msg: '=== REDIS BUG REPORT START: Cut & paste starting from here ===' },
  ],
  ['123:M 30 Nov 2026 06:40:01.123 ! odd marker', { level: 'info', msg: '123:M 30 Nov 2026 06:40:01.123 ! odd marker' }],
];
for (const [line, expected] of cases) {
  test(`parseRedisLogLine: ${JSON.stringify(line.slice(0, 60))}`, (t) => t.deepEqual(parseRedisLogLine(line), expected));
}
