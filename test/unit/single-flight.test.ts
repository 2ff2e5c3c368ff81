import test from 'ava';
import { SingleFlight } from '../../packages/core/src/single-flight';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

test('callers while a computation is in flight share it, however long it takes', async (t) => {
  let now = 0;
  const runs: Array<ReturnType<typeof deferred<number>>> = [];
  const sf = new SingleFlight<string, number>(
    () => {
      const d = deferred<number>();
      runs.push(d);
      return d.promise;
    },
    1000,
    10,
    () => now,
  );
  const a = sf.get('s');
  now = 5000; // past the ttl, still in flight
  const b = sf.get('s');
  await Promise.resolve();
  t.is(runs.length, 1);
  runs[0]!.resolve(7);
  t.deepEqual(await Promise.all([a, b]), [7, 7]);
});

test('an answer is reused until ttl after its start, then computed again', async (t) => {
  let now = 0;
  let runs = 0;
  const sf = new SingleFlight<string, number>(
    async () => ++runs,
    1000,
    10,
    () => now,
  );
  t.is(await sf.get('s'), 1);
  now = 999;
  t.is(await sf.get('s'), 1);
  now = 1000;
  t.is(await sf.get('s'), 2);
});

test('a thousand concurrent callers: one computation', async (t) => {
  let runs = 0;
  const sf = new SingleFlight<string, number>(async () => ++runs, 1000);
  const answers = await Promise.all(Array.from({ length: 1000 }, () => sf.get('s')));
  t.is(runs, 1);
  t.true(answers.every((a) => a === 1));
});

test('keys are apart; a failure is shared while fresh, then tried again', async (t) => {
  let now = 0;
  let runs = 0;
  const sf = new SingleFlight<string, string>(
    async (k) => {
      runs += 1;
      if (k === 'bad' && now < 2000) throw new Error('ZooKeeper away');
      return k;
    },
    1000,
    10,
    () => now,
  );
  t.is(await sf.get('a'), 'a');
  await t.throwsAsync(sf.get('bad'), { message: 'ZooKeeper away' });
  await t.throwsAsync(sf.get('bad'), { message: 'ZooKeeper away' });
  t.is(runs, 2);
  now = 2000;
  t.is(await sf.get('bad'), 'bad');
});

test('a thrown error (not a rejection) is a rejection', async (t) => {
  const sf = new SingleFlight<string, number>(() => {
    throw new Error('sync');
  }, 1000);
  await t.throwsAsync(sf.get('s'), { message: 'sync' });
});

test('at most maxKeys keys are remembered, the oldest dropped first', async (t) => {
  let runs = 0;
  const sf = new SingleFlight<number, number>(
    async (k) => {
      runs += 1;
      return k;
    },
    60_000,
    2,
  );
  await sf.get(1);
  await sf.get(2);
  await sf.get(3); // drops 1
  await sf.get(2);
  t.is(runs, 3);
  await sf.get(1);
  t.is(runs, 4);
});
