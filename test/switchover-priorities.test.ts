import test from 'ava';
import pino from 'pino';
import { useClientSecurity } from '../packages/core/src/security/clients';
import { excludeFromPromotion } from '../packages/core/src/switchover/priorities';
import { sleep } from '../packages/local-stack/src/harness';
import { TestEnv } from './helpers/env';
import { TEST_PASSWORD } from './helpers/secrets';

// The switchover's priorities (core/src/switchover/priorities.ts) against a real redis-server.

test("a replica's replica-priority comes back although the first tries to restore it fail (as when Sentinel's reconfiguration kills the restoring connection)", async (t) => {
  const env = await TestEnv.create(t);
  useClientSecurity({ redisPassword: TEST_PASSWORD, sentinelPassword: TEST_PASSWORD, tls: undefined });
  const node = await env.start('redis-wrapper');
  await env.waitForRole(node.port, 'master');
  const redis = env.redis(node.port);
  const priority = async () => ((await redis.config('GET', 'replica-priority')) as string[])[1];
  t.is(await priority(), '100');

  const recorded: Array<{ address: { host: string; port: number }; priority: number }> = [];
  const exclusion = await excludeFromPromotion({
    name: 'mymaster',
    sentinels: [],
    masterReplicas: [{ host: '127.0.0.1', port: node.port }],
    keep: { host: '127.0.0.1', port: 1 },
    log: pino({ level: 'silent' }),
    record: async (excluded) => {
      recorded.push(...excluded);
      t.is(await priority(), '100', 'recorded before any priority is changed');
    },
  });
  t.deepEqual(recorded, [{ address: { host: '127.0.0.1', port: node.port }, priority: 100 }]);
  t.is(await priority(), '0', 'made ineligible');

  // For 0.7 s no new connection gets in (its AUTH fails); connections already open stay in.
  await redis.config('SET', 'requirepass', 'not-the-password');
  const restored = exclusion.restore();
  await sleep(700);
  await redis.config('SET', 'requirepass', TEST_PASSWORD);
  await restored;
  t.is(await priority(), '100', 'restored on a later try');
});
