import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type Address, parseAddress } from '@redis-zk/core';
import { drainCommand } from './commands/drain';
import { haproxyConfigCommand } from './commands/haproxy-config';
import { pauseCommand, resumeCommand } from './commands/pause';
import { historyCommand } from './commands/history';
import { statusCommand } from './commands/status';
import { switchoverCommand } from './commands/switchover';
import { CliError, type CliContext, EXIT, openContext } from './context';
import { printable } from './format';
import { uninterrupted } from './signals';

const SET_NAME = /^[A-Za-z0-9._-]+$/;

const setName = (value: string): string => {
  if (!SET_NAME.test(value)) throw new InvalidArgumentError('a replica set name is letters, digits, ".", "_" or "-"');
  return value;
};
const address = (value: string): Address => {
  const a = parseAddress(value);
  if (!a) throw new InvalidArgumentError('expected host:port, e.g. 10.0.0.5:6379');
  return a;
};
const positive = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number above 0');
  return Number(value);
};
/** An agent as Marathon names it: a hostname or an IPv4/IPv6 address. */
const agentHost = (value: string): string => {
  if (!/^[A-Za-z0-9._:-]{1,253}$/.test(value)) throw new InvalidArgumentError('an agent hostname or address: letters, digits, ".", "-", "_" or ":"');
  return value;
};
const socketPath = (value: string): string => {
  if (!/^[A-Za-z0-9/._-]+$/.test(value)) throw new InvalidArgumentError('a path of letters, digits and "/._-" only (it goes into the HAProxy configuration)');
  return value;
};
/** A switchover's whole time: writes may be paused for part of it, so it is bounded. */
export const MAX_SWITCHOVER_TIMEOUT_MS = 300_000;
const timeout = (value: string): number => {
  const ms = positive(value);
  if (ms > MAX_SWITCHOVER_TIMEOUT_MS) throw new InvalidArgumentError(`at most ${MAX_SWITCHOVER_TIMEOUT_MS} (5 minutes)`);
  return ms;
};

const HELP_FOOTER = `
Configured by the deployment's variables: ZK_HOSTS, ZK_ROOT, ZK_AUTH, REDIS_PASSWORD (or
ALLOW_EMPTY_PASSWORD=yes), SENTINEL_PASSWORD, REDIS_TLS_* (see the README's Configuration).

Maintenance mode: while a set is paused (redis-zk pause) nothing fails it over by itself: no
crash failover, fencing, re-pointing or recovery by the redis-wrappers, no SENTINEL RESET by the
watchers, and Sentinel holds the set's quorum at 1000 (above any number of sentinels), so it
starts no failover. A master's SIGTERM still hands over (the operator asked for that stop);
redis-zk switchover is refused (exit 3). redis-zk resume gives Sentinel its quorum back.

Agent drain: redis-zk drain <agent host> moves every master whose member record names that agent
(its HOST under Marathon) or whose address is that host to a replica on another agent, one set at
a time, each by the planned switchover's path (no acknowledged write lost), and prints a line per set.

Exit codes: 0 done; 1 failed (ZooKeeper unreachable, switchover not completed, a master left on a
drained agent, sentinels that did not take a pause or resume within 10 s); 2 usage; 3 switchover
refused as unsafe now or while the set is paused (the reason is printed); 4 no such replica set.`;

/** The `redis-zk` command: parses argv, runs one subcommand, prints its output; resolves with the exit code. */
export async function runCli(argv: readonly string[] = process.argv): Promise<number> {
  /** `hold`: the command must not be interrupted (signals held off while it runs: signals.ts), told so on stderr. */
  let result: { run: (ctx: CliContext) => Promise<string | { text: string; exitCode: number }>; hold?: string } | undefined;
  let verbose = false;
  const program = new Command('redis-zk')
    .description('Operate a redis-zk deployment: status of every replica set, planned switchover, agent drain, maintenance mode, failover history.')
    .option('-v, --verbose', 'log what is done (JSON lines on stderr)')
    .addHelpText('after', HELP_FOOTER)
    .showHelpAfterError('(run redis-zk --help for usage)')
    .exitOverride()
    .hook('preAction', (cmd) => {
      verbose = !!cmd.opts().verbose;
    });

  program
    .command('status')
    .description('every replica set: master, replicas (role, link, lag), sentinels and whether they agree, problems, last changes')
    .option('--json', "JSON for scripts (the shape of the watcher's /status)")
    .action((o: { json?: boolean }) => {
      result = { run: (ctx) => statusCommand(ctx, { json: !!o.json }) };
    });

  program
    .command('switchover')
    .description("planned switchover of a set's master through Sentinel, no acknowledged write lost; refused when unsafe")
    .argument('<set>', 'replica set (Sentinel master name)', setName)
    .option('--to <host:port>', "the replica to promote (default: Sentinel's choice)", address)
    .addOption(
      new Option('--timeout <ms>', `give up after this long, at most ${MAX_SWITCHOVER_TIMEOUT_MS} (writes are paused only for the last part)`)
        .argParser(timeout)
        .default(30000),
    )
    .action((set: string, o: { to?: Address; timeout: number }) => {
      result = {
        run: (ctx) => switchoverCommand(ctx, set, { to: o.to, timeoutMs: o.timeout }),
        hold: `switchover in progress; it ends within ${Math.round(o.timeout / 1000)} s`,
      };
    });

  program
    .command('drain')
    .description('move every master off an agent (all sets, one at a time, each a planned switchover), then report per set; for agent maintenance')
    .argument('<agent-host>', "the agent's hostname (as Marathon's HOST names it) or address", agentHost)
    .option('--json', 'JSON for scripts')
    .addOption(
      new Option('--timeout <ms>', `each set's switchover gives up after this long, at most ${MAX_SWITCHOVER_TIMEOUT_MS}`).argParser(timeout).default(30000),
    )
    .action((host: string, o: { json?: boolean; timeout: number }) => {
      result = {
        run: (ctx) => drainCommand(ctx, host, { timeoutMs: o.timeout, json: !!o.json }),
        hold: `drain of ${host} in progress; each set's switchover ends within ${Math.round(o.timeout / 1000)} s`,
      };
    });

  program
    .command('pause')
    .description('maintenance mode: no automatic failover of the set (Sentinel included) until resume; kept in ZooKeeper')
    .argument('<set>', 'replica set (Sentinel master name)', setName)
    .option('--reason <text>', 'why (shown by status, kept with the pause)', '')
    .action((set: string, o: { reason: string }) => {
      result = { run: (ctx) => pauseCommand(ctx, set, { reason: o.reason }) };
    });

  program
    .command('resume')
    .description('end the maintenance mode: Sentinel and the redis-wrappers fail the set over again')
    .argument('<set>', 'replica set (Sentinel master name)', setName)
    .action((set: string) => {
      result = { run: (ctx) => resumeCommand(ctx, set) };
    });

  program
    .command('history')
    .description(
      "a set's changes of master (failovers, switchovers, elections, recoveries), oldest first, each with its write outage " +
        '(OUTAGE, and what was measured) and offset gap (GAP: bytes the old master had beyond the promoted node, possibly lost)',
    )
    .argument('<set>', 'replica set (Sentinel master name)', setName)
    .option('--json', 'JSON for scripts')
    .addOption(new Option('--limit <n>', 'the last n changes').argParser(positive).default(100))
    .action((set: string, o: { json?: boolean; limit: number }) => {
      result = { run: (ctx) => historyCommand(ctx, set, { json: !!o.json, limit: o.limit }) };
    });

  program
    .command('haproxy-config')
    .description('an HAProxy configuration for the set: a write endpoint over /primary, a read endpoint over /replica')
    .argument('<set>', 'replica set (Sentinel master name)', setName)
    .addOption(new Option('--write-bind <host:port>', 'where clients write').argParser(address).default(parseAddress('0.0.0.0:6379')!, '0.0.0.0:6379'))
    .addOption(
      new Option('--read-bind <host:port>', 'where clients read from replicas').argParser(address).default(parseAddress('0.0.0.0:6380')!, '0.0.0.0:6380'),
    )
    .option('--no-read', 'no read endpoint')
    .addOption(new Option('--max-lag <bytes>', 'a replica further behind takes no reads').argParser(positive).default(1048576))
    .addOption(new Option('--stats-socket <path>', "HAProxy's runtime API socket (show stat, show servers state)").argParser(socketPath))
    .action((set: string, o: { writeBind: Address; readBind: Address; read: boolean; maxLag: number; statsSocket?: string }) => {
      result = {
        run: (ctx) =>
          haproxyConfigCommand(ctx, set, {
            writeBind: o.writeBind,
            readBind: o.read ? o.readBind : undefined,
            maxLagBytes: o.maxLag,
            statsSocket: o.statsSocket,
          }),
      };
    });

  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are not errors; everything else is a usage mistake (already printed).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw err;
  }
  if (!result) {
    program.outputHelp();
    return EXIT.usage;
  }
  let ctx: CliContext | undefined;
  const { run, hold } = result;
  try {
    const work = async () => {
      ctx = await openContext({ verbose });
      return run(ctx);
    };
    const out = hold ? await uninterrupted(hold, work) : await work();
    const { text, exitCode } = typeof out === 'string' ? { text: out, exitCode: EXIT.ok } : out;
    process.stdout.write(`${printable(text)}\n`);
    return exitCode;
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`redis-zk: ${printable(err.message)}\n`);
      return err.exitCode;
    }
    throw err;
  } finally {
    ctx?.close();
  }
}
