import test, { type ExecutionContext } from 'ava';
import pino from 'pino';
import { CreateMode, ZkClient } from '../packages/core/src/zk/client';
import { ZkLock } from '../packages/core/src/zk/lock';
import { TimeoutError } from '../packages/core/src/time';
import { TestEnv } from './helpers/env';
import { sleep, waitFor } from './helpers/wait';
import { OP_GET_DATA, withErrorCode, ZkProxy } from './helpers/zk-proxy';

const log = pino({ level: 'silent' });
let env: TestEnv;
const clients: ZkClient[] = [];

test.before(async () => {
  env = await TestEnv.create();
});
test.after.always(async () => {
  for (const c of clients) c.close();
  await env?.cleanup();
});

async function client(connectString = env.zk.connectString, logTo = log): Promise<ZkClient> {
  const zk = new ZkClient({ connectString, sessionTimeoutMs: 4000, log: logTo });
  clients.push(zk);
  await zk.waitConnected(15000);
  return zk;
}

test.serial('mutual exclusion: 15 contenders on separate sessions, never two inside', async (t) => {
  const dir = '/locks/exclusion';
  let inside = 0;
  let maxInside = 0;
  let entered = 0;
  await Promise.all(
    Array.from({ length: 15 }, async (_, i) => {
      const lock = new ZkLock(await client(), dir, log, `c${i}`);
      await lock.acquire(60000);
      inside += 1;
      maxInside = Math.max(maxInside, inside);
      entered += 1;
      await sleep(20);
      inside -= 1;
      await lock.release();
    }),
  );
  t.is(entered, 15);
  t.is(maxInside, 1);
});

test.serial('order: waiters get the lock in the order they queued', async (t) => {
  const dir = '/locks/order';
  const zk = await client();
  const holder = new ZkLock(zk, dir, log, 'holder');
  t.false(await holder.acquire(), 'a free lock is taken without waiting');
  const order: string[] = [];
  const waiters: Promise<void>[] = [];
  for (const name of ['a', 'b', 'c', 'd']) {
    const lock = new ZkLock(await client(), dir, log, name);
    waiters.push(
      lock.acquire(30000).then(async (waited) => {
        t.true(waited, `${name} waited`);
        order.push(name);
        await lock.release();
      }),
    );
    // queue strictly one after another
    await waitFor(`${name} queued`, async () => (await zk.getChildren(dir)).length === order.length + waiters.length + 1, 15000, 20);
  }
  await holder.release();
  await Promise.all(waiters);
  t.deepEqual(order, ['a', 'b', 'c', 'd']);
});

test.serial('a holder whose session closes loses the lock to the next waiter', async (t) => {
  const dir = '/locks/session';
  const holderZk = await client();
  const holder = new ZkLock(holderZk, dir, log, 'holder');
  await holder.acquire();
  const waiter = new ZkLock(await client(), dir, log, 'waiter');
  let got = false;
  const acquired = waiter.acquire(30000).then(() => {
    got = true;
  });
  await sleep(300);
  t.false(got, 'waiter must not get a held lock');
  holderZk.close();
  await acquired;
  t.true(waiter.held);
  const contenders = await waiter.contenders();
  t.deepEqual(
    contenders.map((c) => c.data),
    ['waiter'],
  );
  await waiter.release();
});

test.serial('acquire gives up after its timeout and leaves no node behind', async (t) => {
  const dir = '/locks/timeout';
  const zk = await client();
  const holder = new ZkLock(zk, dir, log, 'holder');
  await holder.acquire();
  const waiter = new ZkLock(await client(), dir, log, 'waiter');
  await t.throwsAsync(waiter.acquire(500), { instanceOf: TimeoutError });
  t.deepEqual(
    (await holder.contenders()).map((c) => c.data),
    ['holder'],
  );
  await holder.release();
});

test.serial("a node of this session's failed attempt, left ahead in the queue, is removed: never a wait on itself", async (t) => {
  const dir = '/locks/leftover';
  const zk = await client();
  // What an attempt leaves when ZooKeeper went away between its create and its removal.
  await zk.createWithParents(`${dir}/lock-failed-attempt-`, 'leftover', CreateMode.EPHEMERAL_SEQUENTIAL);
  const again = new ZkLock(zk, dir, log, 'again');
  t.false(await again.acquire(5000), 'taken without waiting on its own session');
  t.deepEqual(
    (await again.contenders()).map((c) => c.data),
    ['again'],
  );
  // Two live locks of one process on one session still exclude each other.
  const second = new ZkLock(zk, dir, log, 'second');
  await t.throwsAsync(second.acquire(500), { instanceOf: TimeoutError });
  await again.release();
});

test.serial('operations fail fast while ZooKeeper is down, and work again when it is back', async (t) => {
  const zk = await client();
  await zk.mkdirp('/ff');
  await env.zk.stop();
  await waitFor('client to notice', () => !zk.connected, 10000);
  const started = Date.now();
  await t.throwsAsync(zk.getChildren('/ff'), { message: /not connected/ });
  t.log(`failed in ${Date.now() - started} ms while disconnected`);
  await env.zk.resume();
  await zk.waitConnected(20000);
  t.deepEqual(await zk.getChildren('/ff'), []);
});

test.serial('a hung ZooKeeper (SIGSTOP) is reported as unavailable, then usable after SIGCONT', async (t) => {
  const zk = await client();
  env.zk.pause();
  try {
    await waitFor('heartbeat to notice the hung server', () => !zk.connected, 15000);
    await t.throwsAsync(zk.exists('/'), { message: /not connected/ });
  } finally {
    env.zk.cont();
  }
  await zk.waitConnected(20000);
  t.true(await zk.exists('/'));
});

test.serial('a child watch on a node that does not exist yet fires when it is created', async (t) => {
  const zk = await client();
  let fired = false;
  t.deepEqual(
    await zk.getChildren('/later/dir', () => {
      fired = true;
    }),
    [],
  );
  await zk.mkdirp('/later/dir');
  await waitFor('the watch to fire', () => fired, 15000, 20);
  t.true(fired);
});

/** A client through a tampering proxy, and what it logs. */
async function proxiedClient(t: ExecutionContext) {
  const proxy = await ZkProxy.start(env.zk.port);
  const lines: string[] = [];
  const logged = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        lines.push(line);
      },
    },
  );
  t.teardown(() => proxy.close());
  const zk = await client(proxy.connectString, logged);
  await zk.mkdirp('/tampered');
  return { proxy, zk, lines };
}

test.serial('an error code newer than the client library reaches the operation as an error; the process and session live on', async (t) => {
  const { proxy, zk } = await proxiedClient(t);
  const session = zk.sessionId;
  const tampered = proxy.tamperReplyTo(OP_GET_DATA, (frame) => ({ bytes: withErrorCode(frame, -127) })); // THROTTLED_OP, ZooKeeper 3.6+
  const err = await t.throwsAsync(zk.getData('/tampered'));
  await tampered;
  t.regex(err!.message, /ZooKeeper error code -127/);
  t.deepEqual(await zk.getData('/tampered').then((d) => d?.data.toString()), '');
  t.is(zk.sessionId, session, 'same session');
});

test.serial('a reply cut off by a dropped connection is not read into the next connection', async (t) => {
  const { proxy, zk } = await proxiedClient(t);
  await zk.setData('/tampered', 'x'.repeat(200));
  const session = zk.sessionId;
  const tampered = proxy.tamperReplyTo(OP_GET_DATA, (frame) => ({ bytes: frame.subarray(0, 30), close: true }));
  t.regex(await zk.getData('/tampered').then(() => 'answered', String), /CONNECTION_LOSS/);
  await tampered;
  await waitFor('the client to reconnect and read again', async () => (await zk.getData('/tampered').catch(() => null))?.data.length === 200, 20000, 100);
  t.is(zk.sessionId, session, 'same session');
});

test.serial('a reply that does not parse costs the connection, logged with the reason, not the process', async (t) => {
  const { proxy, zk, lines } = await proxiedClient(t);
  const session = zk.sessionId;
  // err 0 and no payload: a getData reply the library reads past the end of.
  const tampered = proxy.tamperReplyTo(OP_GET_DATA, (frame) => ({ bytes: withErrorCode(frame, 0) }));
  await t.throwsAsync(zk.getData('/tampered'));
  await tampered;
  await waitFor('the client to reconnect and read again', async () => (await zk.getData('/tampered').catch(() => null)) !== null, 20000, 100);
  t.is(zk.sessionId, session, 'same session');
  const why = lines.map((l) => JSON.parse(l) as { msg: string; reason?: string; err?: string }).find((l) => l.reason === 'unparsable reply');
  t.truthy(why, 'the dropped connection is logged');
  t.regex(why!.err ?? '', /out of (buffer )?range/i);
});
