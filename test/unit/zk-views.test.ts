import test from 'ava';
import pino from 'pino';
import type { Directory } from '@redis-zk/core';
import { SentinelList } from '../../packages/watcher/src/follow/zk-views';

// A watcher whose first ZooKeeper read failed while connected (a timeout on a loaded host) set no
// watch, and no reconnect came to read again: its view never loaded (nemesis model seed 1980227205).
test('a view whose read failed reads again by itself, without a reconnect or a watch', async (t) => {
  let calls = 0;
  const fake = {
    listSentinels: async () => {
      calls += 1;
      if (calls === 1) throw new Error('operation timed out');
      return [{ address: { host: '10.0.1.1', port: 26379 } }];
    },
    onReconnected: () => () => undefined,
  } as unknown as Directory;
  const view = new SentinelList(fake, pino({ level: 'silent' }));
  const changed = new Promise<void>((resolve) => view.once('change', () => resolve()));
  view.start();
  await Promise.race([changed, new Promise((_, reject) => setTimeout(() => reject(new Error('not read again within 3 s')), 3000))]);
  view.stop();
  t.true(view.loaded);
  t.is(calls, 2);
  t.deepEqual(view.current, [{ host: '10.0.1.1', port: 26379 }]);
});
