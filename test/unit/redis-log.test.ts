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
  // Valkey 8.0 (REDIS_SERVER_BIN=valkey-server) writes the same format; its words differ (PRIMARY).
  [
    '3395:X 07 Dec 2026 01:28:44.320 * Valkey version=8.0.1, bits=64, commit=00000000, modified=0, pid=3395, just started',
    {
      level: 'info',
      role: 'sentinel',
      serverPid: 3395,
      serverTime: '07 Dec 2026 01:28:44.320',
      msg: 'Valkey version=8.0.1, bits=64, commit=00000000, modified=0, pid=3395, just started',
    },
  ],
  [
    '41:S 07 Dec 2026 01:30:01.657 # Error condition on socket for SYNC: Connection refused',
    { level: 'warn', role: 'replica', serverPid: 41, serverTime: '07 Dec 2026 01:30:01.657', msg: 'Error condition on socket for SYNC: Connection refused' },
  ],
  [
    '41:S 07 Dec 2026 01:30:01.700 * PRIMARY <-> REPLICA sync started',
    { level: 'info', role: 'replica', serverPid: 41, serverTime: '07 Dec 2026 01:30:01.700', msg: 'PRIMARY <-> REPLICA sync started' },
  ],
  ['123:M 30 Nov 2026 06:40:01.123 ! odd marker', { level: 'info', msg: '123:M 30 Nov 2026 06:40:01.123 ! odd marker' }],
];
for (const [line, expected] of cases) {
  test(`parseRedisLogLine: ${JSON.stringify(line.slice(0, 60))}`, (t) => t.deepEqual(parseRedisLogLine(line), expected));
}
