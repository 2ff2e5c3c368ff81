import { createLogger, formatAddress, openDirectory, sleep } from '@redis-zk/core';
import { waitFor } from './harness';
import { LocalStack } from './stack';

/** How long the demo waits for the set to come up before it gives up, saying what it waited for. */
const START_TIMEOUT_MS = 120_000;

const out = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 23)}  ${line}\n`);

function parseArgs(argv: string[]) {
  const o: { group?: string; dir?: string; keep: boolean; env: Record<string, string> } = { keep: false, env: {} };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i]!;
    if (a === '--group') o.group = argv[++i];
    else if (a === '--dir') o.dir = argv[++i];
    else if (a === '--keep') o.keep = true;
    else if (a === '--env') {
      const [k, ...v] = (argv[++i] ?? '').split('=');
      if (k) o.env[k] = v.join('=');
    } else throw new Error(`unknown argument ${a} (known: --group FILE, --dir DIR, --keep, --env KEY=VALUE)`);
  }
  return o;
}

/**
 * The demo: ZooKeeper + the Marathon definitions run locally; prints the endpoints and a client
 * snippet, then every task exit, restart and failover as it happens, until Ctrl-C.
 */
export async function runDemo(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  out('starting ZooKeeper and the apps of the Marathon definitions…');
  const stack = await LocalStack.start({ group: args.group, dir: args.dir, env: args.env, backoffScale: 1 });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    out('stopping every task and ZooKeeper…');
    await stack.stop({ keepFiles: args.keep });
    out(args.keep ? `stopped; files kept in ${stack.dir}` : 'stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  stack.launcher.on('exited', (t, exit) => {
    if (!stopping) out(`task ${t.id} exited (${exit.signal ?? `code ${exit.code}`}); Marathon-style restart on a new port after the app's backoff`);
  });
  stack.launcher.on('started', (t) => out(`task ${t.id} started on port ${t.ports[0]}`));

  const dir = openDirectory(
    { ZK_HOSTS: stack.zk.connectString, ZK_ROOT: stack.apps[0]?.env.ZK_ROOT ?? '/redis', ZK_SESSION_TIMEOUT_MS: 10000 },
    createLogger('demo', 'silent'),
  );
  await dir.waitConnected(30000);
  const watcher = stack.tasksRunning('watcher')[0];
  const watcherUrl = watcher ? `http://127.0.0.1:${watcher.ports[0]}` : undefined;
  const master = await waitFor(
    'ZooKeeper to name the master of mymaster',
    async () => {
      const m = await dir.readMaster('mymaster').catch(() => null);
      return m?.address && formatAddress(m.address);
    },
    START_TIMEOUT_MS,
    200,
  );
  const sentinelCount = stack.appRunning('sentinel-wrapper').instances;
  const sentinels = await waitFor(
    'every sentinel registered',
    async () => {
      const list = await dir.listSentinels().catch(() => []);
      return list.length >= sentinelCount ? list.map((s) => formatAddress(s.address)) : undefined;
    },
    START_TIMEOUT_MS,
    200,
  );

  // The password: a file of mode 0600 to read into the shell, never printed itself.
  const passwordSource = stack.appRunning('redis-wrapper').secretEnv.REDIS_PASSWORD;
  const exportPassword =
    args.env.REDIS_PASSWORD !== undefined
      ? '    # REDIS_PASSWORD: the value given with --env'
      : passwordSource
        ? `    export REDIS_PASSWORD="$(cat ${stack.secrets.file(passwordSource)})"`
        : '    # no REDIS_PASSWORD in the definitions';
  const secretFiles = [...new Set(stack.apps.flatMap((a) => Object.entries(a.secretEnv).map(([name, source]) => `${name} ${stack.secrets.file(source)}`)))];

  out('ready');
  process.stdout.write(
    `${[
      '',
      `  ZooKeeper   ${stack.zk.connectString}  (root ${dir.paths.root})`,
      `  watcher     ${stack
        .tasksRunning('watcher')
        .map((t) => `http://127.0.0.1:${t.ports[0]}`)
        .join('  ')}`,
      `  sentinels   ${sentinels.join('  ')}`,
      `  master      mymaster at ${master}`,
      `  redis       ${stack
        .tasksRunning('redis-wrapper')
        .map((t) => `127.0.0.1:${t.ports[0]}`)
        .join('  ')}`,
      `  files       ${stack.dir}`,
      '',
      "  Secrets, generated for this run as Marathon's secret store would hold them (files of mode 0600):",
      ...secretFiles.map((line) => `    ${line}`),
      '',
      '  Client (ioredis), from another terminal in this directory:',
      exportPassword,
      `    node -e "const Redis=require('ioredis');const ` +
        `p=process.env.REDIS_PASSWORD;fetch('${watcherUrl}/sentinels').then(r=>r.json()).then(async s=>{const ` +
        `r=new Redis({sentinels:s,name:'mymaster',password:p,sentinelPassword:p});await r.set('hello','world');console.log(await r.get('hello'));r.quit()})"`,
      `    REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -p ${master.split(':')[1]} info replication`,
      '',
      "  Try a failover:   kill -9 the redis-server on the master's port, e.g.",
      `    kill -9 $(pgrep -f 'redis-server 127.0.0.1:${master.split(':')[1]}')`,
      `  and watch:        curl -s ${watcherUrl}/masters ; curl -s ${watcherUrl}/sentinels`,
      '  Stop everything:  Ctrl-C',
      '',
    ].join('\n')}\n`,
  );

  let known = master;
  for (;;) {
    const now = (await dir.readMaster('mymaster').catch(() => null))?.raw;
    if (now && now !== known) {
      out(`failover: ZooKeeper now names ${now} the master of mymaster (was ${known})`);
      known = now;
    }
    await sleep(200);
  }
}
