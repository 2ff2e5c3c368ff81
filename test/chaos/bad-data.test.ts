import { randomBytes } from 'node:crypto';
import { FAST_SENTINEL } from '../../packages/local-stack/src/harness';
import test, { type ExecutionContext } from 'ava';
import { type Task, TestEnv } from '../helpers/env';
import { killTask, portOf, zkMasterRaw } from '../helpers/failovers';
import { rawHttp, type RawReply } from '../helpers/raw-http';
import { info } from '../helpers/redis-info';
import { sentinelMaster } from '../helpers/sentinel';
import { sentinelsKnowSet } from '../../packages/local-stack/src/deploy-set';
import { recordFigures } from '../helpers/figures';
import { putNode } from '../helpers/patient-zk';
import { sentinelMasterAddr } from '../helpers/sentinel';
import { sleep, waitFor } from '../helpers/wait';

// Garbage where redis-zk reads: in ZooKeeper (masters/<name>, sentinels/<id>) and on the
// watcher's HTTP port. Nothing may crash or crash-loop, junk is logged with its path and
// ignored, there is never a second master, and a live set's watcher puts ZooKeeper right again.
// Serial: each scenario runs its own ZooKeeper and processes; two cores.

const JUNK: ReadonlyArray<readonly [string, Buffer]> = [
  ['not-an-address', Buffer.from('not-an-address')],
  ['empty', Buffer.alloc(0)],
  ['10 KB of random bytes', randomBytes(10 * 1024)],
  ['port out of range', Buffer.from('127.0.0.1:99999')],
];

/** Lines at pino's error (50) or fatal (60) level, and anything that looks like an uncaught crash. */
const crashLines = (task: Task): string[] =>
  task.proc
    .log()
    .split('\n')
    .filter((l) => /"level":60|Unhandled|uncaught|^\s+at .*\(.*:\d+:\d+\)$/i.test(l));

/** A task is fine when it still runs, or when it exited through the documented give-up. */
function checkNoCrash(t: ExecutionContext, task: Task): void {
  const exit = task.proc.exitStatus;
  if (exit) {
    t.is(exit.code, 1, `${task.proc.label} exited ${JSON.stringify(exit)}`);
    t.regex(
      task.proc.log(),
      /no safe election outcome; exiting so the task is restarted|waited \d+ ms \(MASTER_WAIT_TIMEOUT_MS\)/,
      `${task.proc.label} exited only via the documented give-up`,
    );
  }
  t.deepEqual(crashLines(task), [], `${task.proc.label}: no crash in its log`);
}

const loggedInvalid = (task: Task, path: string): boolean =>
  task.proc
    .log()
    .split('\n')
    .some((l) => l.includes(`"path":"${path}"`) && /invalid/.test(l));

// --- (a) masters/mymaster -------------------------------------------------------------------

for (const [label, junk] of JUNK) {
  test.serial(`(a) masters/mymaster is junk (${label}) before and while 3 wrappers start: logged, no crash, one master`, async (t) => {
    const env = await TestEnv.create(t);
    const conf: NodeJS.ProcessEnv = {};
    const dir = await env.directory();
    const path = dir.paths.master('mymaster');
    await dir.zk.mkdirp(dir.paths.masters);
    await putNode(dir.zk, path, junk);

    const started = Date.now();
    const tasks = await Promise.all([1, 2].map(() => env.start('redis-wrapper', conf)));
    // While they start, whatever gets written there is replaced by the junk again; a third
    // wrapper starts late, so it finds junk next to a live master. The junk stays until that
    // wrapper has decided: on a loaded machine its start can take longer than the first 5 s.
    let late: Task | undefined;
    setTimeout(
      () =>
        void env.start('redis-wrapper', conf).then((x) => {
          late = x;
          tasks.push(x);
        }),
      1500,
    );
    const lateDecided = () => late !== undefined && (!late.proc.running || /"decision":"(replicate|become-master)"/.test(late.proc.log()));
    let overwritten = 0;
    let registeredMs: number | undefined;
    const allRegistered = async () => {
      if (registeredMs === undefined && (await dir.listNodes('mymaster')).length === 3) registeredMs = Date.now() - started;
      return registeredMs !== undefined;
    };
    while ((Date.now() - started < 5000 || !lateDecided()) && Date.now() - started < 60000) {
      const now = await dir.zk.getData(path);
      if (!now?.data.equals(junk)) {
        await dir.zk.setData(path, junk);
        overwritten += 1;
      }
      await allRegistered();
      await sleep(20);
    }
    await waitFor('3 registered nodes (or a wrapper exiting)', async () => tasks.some((x) => !x.proc.running) || (await allRegistered()), 30000, 100);
    await sleep(3000); // "after a while": no crash loop, no late second master

    for (const x of tasks) t.true(x.proc.running, `${x.proc.label} still running`);
    for (const x of tasks) checkNoCrash(t, x);
    t.is(tasks.length, 3);
    t.true(
      loggedInvalid(tasks[0]!, '/redis/masters/mymaster') || loggedInvalid(tasks[1]!, '/redis/masters/mymaster'),
      'a first wrapper logged /redis/masters/mymaster as invalid',
    );
    t.true(loggedInvalid(tasks[2]!, '/redis/masters/mymaster'), 'the late wrapper logged /redis/masters/mymaster as invalid');
    tasks[2]!.proc.expectLogged(t, /"decision":"replicate"/, "the late wrapper found the live master without ZooKeeper's help");
    const roles = await env.roles(tasks.map((x) => x.port));
    t.is(roles.filter((r) => r === 'master').length, 1, 'exactly one master');
    t.is(roles.filter((r) => r === 'slave').length, 2);
    const master = tasks[roles.indexOf('master')]!;
    for (const x of tasks.filter((y) => y !== master)) {
      const i = await info(x.port);
      t.is(`${i?.get('master_host')}:${i?.get('master_port')}`, master.address, `${x.address} replicates the one master`);
    }
    recordFigures(t, `bad-data/masters-junk-at-start/${label}`, { junkOverwrittenTimes: overwritten, allRegisteredMs: registeredMs ?? -1 });
  });
}

test.serial("(a) a live set: junk written into masters/mymaster is put right by the watcher's reconcile", async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 1, env: { RECONCILE_INTERVAL_MS: '1000' } });
  const watcher = d.watchers[0]!;
  const path = d.dir.paths.master('mymaster');
  const base = `http://127.0.0.1:${watcher.port}`;
  const corrections: number[] = [];
  const apiStatuses = new Set<number>();

  const cases: Array<readonly [string, Buffer, string | undefined]> = [
    ...JUNK.map(([label, junk]) => [label, junk, undefined] as const),
    ['junk address and junk epoch', Buffer.from('::::'), 'not-an-epoch'],
  ];
  for (const [label, junk, epochJunk] of cases) {
    if (epochJunk !== undefined) await d.dir.zk.setData(d.dir.paths.epoch('mymaster'), epochJunk);
    await d.dir.zk.setData(path, junk);
    const written = Date.now();
    await waitFor(
      `the watcher to correct the junk (${label})`,
      async () => {
        apiStatuses.add((await fetch(`${base}/master`)).status);
        return (await zkMasterRaw(d.dir)) === d.master;
      },
      20000,
      50,
    );
    corrections.push(Date.now() - written);
    t.is((await d.dir.zk.getData(d.dir.paths.legacyMaster))?.data.toString(), d.master, `/redis/master put right too (${label})`);
    t.regex((await d.dir.zk.getData(d.dir.paths.epoch('mymaster')))?.data.toString() ?? '', /^\d+$/, `epochs/mymaster is a number again (${label})`);
  }
  t.deepEqual(
    [...apiStatuses].filter((s) => s >= 500),
    [],
    '/master never answered a 5xx meanwhile',
  );
  t.true(loggedInvalid(watcher, '/redis/masters/mymaster'), 'the watcher logged /redis/masters/mymaster as invalid');
  watcher.proc.expectLogged(t, /"source":"reconcile".*"msg":"ZooKeeper master updated"/);
  for (const s of d.sentinels) t.is(await sentinelMasterAddr(s.port, 'mymaster'), d.master, `sentinel ${s.port} still monitors the master`);
  t.is(await env.role(portOf(d.master)), 'master');
  for (const x of [...d.redis, ...d.sentinels, ...d.watchers]) {
    t.true(x.proc.running, `${x.proc.label} still running`);
    t.deepEqual(crashLines(x), [], `${x.proc.label}: no crash in its log`);
  }
  t.is((await fetch(`${base}/health`)).status, 200);
  recordFigures(t, 'bad-data/masters-junk-live', { correctedMs: corrections, reconcileIntervalMs: 1000 });
});

// --- (b) sentinels/<id> ---------------------------------------------------------------------

test.serial('(b) junk children under sentinels/: /sentinels lists only the real ones, logged, nothing crashes', async (t) => {
  const env = await TestEnv.create(t);
  const conf: NodeJS.ProcessEnv = {};
  const setup = await env.directory();
  const sentinelsDir = setup.paths.sentinels;
  await setup.zk.mkdirp(sentinelsDir);
  const before: Array<readonly [string, Buffer]> = [
    ['junk-text', Buffer.from('not-an-address')],
    ['junk-empty', Buffer.alloc(0)],
    ['junk-port', Buffer.from('127.0.0.1:99999')],
    ['junk-bytes', randomBytes(10 * 1024)],
    ['junk-json', Buffer.from('{"host":"127.0.0.1","port":26379}')],
    ['junk-parent', Buffer.from('also junk')],
  ];
  for (const [id, data] of before) await setup.zk.create(`${sentinelsDir}/${id}`, data);
  await setup.zk.create(`${sentinelsDir}/junk-parent/child`, '127.0.0.1:1');

  // Sentinels and the watcher start with the junk already there.
  const d = await env.deploy({ watchers: 1, env: conf });
  const watcher = d.watchers[0]!;
  const listed = async () =>
    ((await (await fetch(`http://127.0.0.1:${watcher.port}/sentinels`)).json()) as Array<{ host: string; port: number }>)
      .map((s) => `${s.host}:${s.port}`)
      .sort();
  const real = (tasks: readonly Task[]) => tasks.map((s) => s.address).sort();
  t.deepEqual(await listed(), real(d.sentinels));

  // More junk while everything runs: the watch fires, the list is re-read, junk is skipped.
  const live = `${sentinelsDir}/junk-live`;
  await setup.zk.create(live, randomBytes(512));
  await waitFor('the watcher to log the new junk', () => loggedInvalid(watcher, live), 10000);
  t.deepEqual(await listed(), real(d.sentinels));
  for (const [id] of before.filter(([id]) => id !== 'junk-parent' && id !== 'junk-json')) {
    t.true(loggedInvalid(watcher, `${sentinelsDir}/${id}`), `the watcher logged ${sentinelsDir}/${id}`);
  }
  t.true(loggedInvalid(watcher, `${sentinelsDir}/junk-json`), 'JSON is not host:port either');

  // A sentinel-wrapper started now, with the junk there, still starts and is listed.
  const extra = await env.start('sentinel-wrapper', { ...FAST_SENTINEL, ...conf });
  const sentinels = [...d.sentinels, extra];
  await waitFor('the new sentinel listed', async () => (await listed()).length === sentinels.length, 30000, 200);
  t.deepEqual(await listed(), real(sentinels));
  await sentinelsKnowSet(sentinelMaster, sentinels, 'mymaster', 2);

  // And the set still fails over, with ZooKeeper following.
  const master = d.redis.find((r) => r.address === d.master)!;
  const killed = Date.now();
  await killTask(master);
  const promoted = await waitFor(
    'ZooKeeper to name the promoted replica',
    async () => {
      const m = await zkMasterRaw(d.dir);
      return m && m !== d.master ? m : undefined;
    },
    30000,
    20,
  );
  const failoverMs = Date.now() - killed;
  t.is(await env.role(portOf(promoted)), 'master');
  // A replacement redis task (its election reads sentinels/ too) joins as a replica.
  const replacement = await env.start('redis-wrapper', conf);
  await env.waitForRole(replacement.port, 'slave', 30000);

  for (const x of [...d.redis.filter((r) => r !== master), ...sentinels, watcher, replacement]) {
    t.true(x.proc.running, `${x.proc.label} still running`);
    t.deepEqual(crashLines(x), [], `${x.proc.label}: no crash in its log`);
  }
  t.deepEqual(await listed(), real(sentinels));
  recordFigures(t, 'bad-data/sentinels-junk', { junkNodes: before.length + 2, killToZkMs: failoverMs });
});

// --- (c) HTTP junk against a live watcher ---------------------------------------------------

test.serial('(c) malformed and oversized HTTP requests to a live watcher: never a 5xx, still serving', async (t) => {
  const env = await TestEnv.create(t);
  const d = await env.deploy({ watchers: 1 });
  const watcher = d.watchers[0]!;
  const port = watcher.port;
  const base = `http://127.0.0.1:${port}`;
  const mib = 'x'.repeat(1024 * 1024);
  const chunked = `${Array.from({ length: 16 }, () => `10000\r\n${'y'.repeat(0x10000)}\r\n`).join('')}0\r\n\r\n`;
  // The 5xx counted so far: a /health polled while the watcher was still starting answered 503 rightly.
  const counted5xx = async () =>
    (await (await fetch(`${base}/metrics`)).text()).split('\n').filter((l) => /^redis_zk_http_requests_total\{.*status="5\d\d"/.test(l));
  const before5xx = await counted5xx();

  // A client that never finishes its headers stays connected throughout.
  const stalled = rawHttp(port, 'GET /sentinels HTTP/1.1\r\nHost: x\r\nX-Slow: ', 30000);

  const requests: Array<readonly [string, string | Buffer]> = [
    ['TLS hello', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a])],
    ['64 KiB of random bytes', randomBytes(64 * 1024)],
    ['random bytes then CRLFCRLF', Buffer.concat([randomBytes(300), Buffer.from('\r\n\r\n')])],
    ['text line', 'HELLO\r\n\r\n'],
    ['100 KiB URL', `GET /masters/${'a'.repeat(100 * 1024)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    ['100 KiB query string', `GET /sentinels?${'q=1&'.repeat(25 * 1024)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    [
      '40 KB of headers',
      `GET /sentinels HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 40 }, (_, i) => `X-Junk-${i}: ${'j'.repeat(1000)}\r\n`).join('')}Connection: close\r\n\r\n`,
    ],
    ['1 MiB POST body', `POST /sentinels HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${mib.length}\r\n\r\n${mib}`],
    ['1 MiB GET body', `GET /sentinels HTTP/1.1\r\nHost: x\r\nContent-Length: ${mib.length}\r\n\r\n${mib}`],
    ['1 MiB chunked POST', `POST /sentinels HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}`],
    ['bad percent-encoding /masters/%E0%A4%A', 'GET /masters/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['bad percent-encoding /%', 'GET /% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['bad percent-encoding /sentinels%ZZ', 'GET /sentinels%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['overlong UTF-8 /masters/%C0%AF', 'GET /masters/%C0%AF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['encoded NUL /masters/%00', 'GET /masters/%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['control byte in the path', 'GET /sent\x01inels HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['absolute-form URL', 'GET http://evil.example/sentinels HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['asterisk-form', 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['unknown method', 'BREW /sentinels HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['HTTP/9.9', 'GET /sentinels HTTP/9.9\r\nHost: x\r\n\r\n'],
    ['HTTP/0.9 style', 'GET /sentinels\r\n\r\n'],
    ['negative Content-Length', 'POST /sentinels HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'],
    ['conflicting Content-Length', 'POST /sentinels HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello'],
    ['Content-Length with Transfer-Encoding', 'POST /sentinels HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['bad chunk size', 'POST /sentinels HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n'],
    ['header without colon', 'GET /sentinels HTTP/1.1\r\nHost x\r\nConnection: close\r\n\r\n'],
    ['LF-only line ends', 'GET /sentinels HTTP/1.1\nHost: x\nConnection: close\n\n'],
    ['100 pipelined GETs', `${'GET /sentinels HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(99)}GET /sentinels HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    ['half a request, then close', 'GET /sentin'],
  ];

  const replies: Array<readonly [string, RawReply]> = [];
  for (const [label, data] of requests) replies.push([label, await rawHttp(port, data, 5000)]);
  // The same junk again, all at once, with ordinary requests in between.
  const burst = await Promise.all(
    Array.from({ length: 120 }, async (_, i): Promise<readonly [string, number | null]> => {
      if (i % 3 === 0) {
        const res = await fetch(`${base}/sentinels`);
        await res.arrayBuffer();
        return ['GET /sentinels (burst)', res.status];
      }
      const [label, data] = requests[i % requests.length]!;
      return [`${label} (burst)`, (await rawHttp(port, data, 5000)).status];
    }),
  );

  const all: Array<readonly [string, number | null]> = [...replies.map(([l, r]) => [l, r.status] as const), ...burst];
  const fivexx = all.filter(([, s]) => s !== null && s >= 500);
  t.deepEqual(fivexx, [], 'never a 5xx');
  // A 4xx is the API's JSON error, or Node's own empty-bodied refusal of what its parser rejects.
  const neither = replies.filter(([, r]) => r.status !== null && r.status >= 400 && r.body !== '' && !/content-type: application\/json/i.test(r.head));
  t.deepEqual(
    neither.map(([label]) => label),
    [],
    'every error answer is JSON or empty',
  );
  const byLabel = new Map(replies);
  t.is(byLabel.get('bad percent-encoding /masters/%E0%A4%A')?.status, 400);
  t.is(byLabel.get('bad percent-encoding /%')?.status, 400);
  t.true([null, 431].includes(byLabel.get('100 KiB URL')!.status), `100 KiB URL: ${byLabel.get('100 KiB URL')!.status}`);
  t.true([null, 413].includes(byLabel.get('1 MiB POST body')!.status), `1 MiB POST: ${byLabel.get('1 MiB POST body')!.status}`);
  t.is((byLabel.get('100 pipelined GETs')?.body.match(/HTTP\/1\.1 200 OK/g) ?? []).length, 99, 'every pipelined GET answered (the first in the status line)');
  t.is(burst.filter(([l, s]) => l === 'GET /sentinels (burst)' && s !== 200).length, 0, 'ordinary requests served during the burst');

  // The stalled client is cut off by the headers timeout, not left hanging.
  const slow = await stalled;
  t.true(slow.status === null || slow.status === 408, `stalled client: ${slow.status}`);

  t.true(watcher.proc.running, 'the watcher still runs');
  const res = await fetch(`${base}/sentinels`);
  t.is(res.status, 200);
  t.deepEqual(((await res.json()) as Array<{ host: string; port: number }>).map((s) => `${s.host}:${s.port}`).sort(), d.sentinels.map((s) => s.address).sort());
  t.is((await fetch(`${base}/health`)).status, 200);
  t.deepEqual(await counted5xx(), before5xx, 'no 5xx counted since the requests began');
  t.deepEqual(
    watcher.proc
      .log()
      .split('\n')
      .filter((l) => /"level":(50|60)/.test(l))
      .map((l) => l.slice(0, 300)),
    [],
    'no error logged by the watcher',
  );
  t.deepEqual(crashLines(watcher), []);

  const counts = new Map<string, number>();
  for (const [, s] of all) counts.set(String(s ?? 'closed'), (counts.get(String(s ?? 'closed')) ?? 0) + 1);
  recordFigures(t, 'bad-data/http-junk', {
    requests: all.length,
    statuses: [...counts]
      .sort()
      .map(([s, n]) => `${s}x${n}`)
      .join(','),
    stalledClientStatus: String(slow.status ?? 'closed'),
  });
});

test.serial(
  '(a) a fresh set whose masters/mymaster is junk before any sentinel ran: sentinels find the live master, the watcher repairs ZooKeeper',
  async (t) => {
    const env = await TestEnv.create(t);
    const redis = await Promise.all([1, 2, 3].map(() => env.start('redis-wrapper')));
    const dir = await env.directory();
    const master = (await waitFor('a master', () => dir.readMaster('mymaster'), 30000)).raw;
    await waitFor('3 registered nodes', async () => (await dir.listNodes('mymaster')).length === 3, 30000);
    await dir.zk.setData(dir.paths.master('mymaster'), 'not-an-address');
    const sentinels = await Promise.all([1, 2, 3].map(() => env.start('sentinel-wrapper', FAST_SENTINEL)));
    await env.start('watcher', { RECONCILE_INTERVAL_MS: '1000' });
    for (const s of sentinels) t.is(await waitFor('monitoring the live master', () => sentinelMasterAddr(s.port, 'mymaster'), 30000), master);
    await waitFor('ZooKeeper repaired', async () => (await dir.readMaster('mymaster'))?.raw === master, 30000);
    const warnings = sentinels[0]!.proc
      .log()
      .split('\n')
      .filter((l) => l.includes('ignoring invalid master address')).length;
    t.true(warnings <= 2, `the junk is logged once per value, not on every poll (${warnings} lines)`);
    t.true(redis.every((r) => r.proc.running) && sentinels.every((s) => s.proc.running));
  },
);
