import { type Command, Option } from 'commander';
import { parseAddress, type Address } from '@redis-zk/core';
import { address, agentHost, MAX_SWITCHOVER_TIMEOUT_MS, positive, setName, socketPath, timeout } from './arguments';
import { drainCommand } from './commands/drain';
import { haproxyConfigCommand } from './commands/haproxy-config';
import { historyCommand } from './commands/history';
import { pauseCommand, resumeCommand } from './commands/pause';
import { statusCommand } from './commands/status';
import { switchoverCommand } from './commands/switchover';
import type { CliContext } from './context';

/** The subcommand chosen on the command line; `hold`: it must not be interrupted (signals held off while it runs: signals.ts), told so on stderr. */
export interface Chosen {
  run: (ctx: CliContext) => Promise<string | { text: string; exitCode: number }>;
  hold?: string;
}

/** The commands that act on sets: status, switchover, drain, pause, resume. */
export function addOperateCommands(program: Command, choose: (c: Chosen) => void): void {
  program
    .command('status')
    .description('every replica set: master, replicas (role, link, lag), sentinels and whether they agree, problems, last changes')
    .option('--json', "JSON for scripts (the shape of the watcher's /status)")
    .action((o: { json?: boolean }) => {
      choose({ run: (ctx) => statusCommand(ctx, { json: !!o.json }) });
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
      choose({
        run: (ctx) => switchoverCommand(ctx, set, { to: o.to, timeoutMs: o.timeout }),
        hold: `switchover in progress; it ends within ${Math.round(o.timeout / 1000)} s`,
      });
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
      choose({
        run: (ctx) => drainCommand(ctx, host, { timeoutMs: o.timeout, json: !!o.json }),
        hold: `drain of ${host} in progress; each set's switchover ends within ${Math.round(o.timeout / 1000)} s`,
      });
    });

  program
    .command('pause')
    .description('maintenance mode: no automatic failover of the set (Sentinel included) until resume; kept in ZooKeeper')
    .argument('<set>', 'replica set (Sentinel master name)', setName)
    .option('--reason <text>', 'why (shown by status, kept with the pause)', '')
    .action((set: string, o: { reason: string }) => {
      choose({ run: (ctx) => pauseCommand(ctx, set, { reason: o.reason }) });
    });

  program
    .command('resume')
    .description('end the maintenance mode: Sentinel and the redis-wrappers fail the set over again')
    .argument('<set>', 'replica set (Sentinel master name)', setName)
    .action((set: string) => {
      choose({ run: (ctx) => resumeCommand(ctx, set) });
    });
}

/** The commands that read a set or write for it: history, haproxy-config. */
export function addInspectCommands(program: Command, choose: (c: Chosen) => void): void {
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
      choose({ run: (ctx) => historyCommand(ctx, set, { json: !!o.json, limit: o.limit }) });
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
      choose({
        run: (ctx) =>
          haproxyConfigCommand(ctx, set, {
            writeBind: o.writeBind,
            readBind: o.read ? o.readBind : undefined,
            maxLagBytes: o.maxLag,
            statsSocket: o.statsSocket,
          }),
      });
    });
}
