import { Command, CommanderError } from 'commander';
import { CliError, type CliContext, EXIT, openContext } from './context';
import { printable } from './format';
import { uninterrupted } from './signals';
import { addInspectCommands, addOperateCommands, type Chosen } from './subcommands';

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
refused as unsafe now, while the set is paused or while another switchover of it is under way (the
reason is printed); 4 no such replica set.`;

/** The `redis-zk` command: parses argv, runs one subcommand, prints its output; resolves with the exit code. */
export async function runCli(argv: readonly string[] = process.argv): Promise<number> {
  let result: Chosen | undefined;
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

  const choose = (c: Chosen) => {
    result = c;
  };
  addOperateCommands(program, choose);
  addInspectCommands(program, choose);

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
