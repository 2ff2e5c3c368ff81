import { type Address, formatAddress } from '../address';
import { type NetworkConfig, resolveEndpoints } from '../bind-address';
import { readBaseConfig, writeGeneratedConfig } from '../server-config/render';
import { resolveDataDir } from '../config/programs';
import { createLogger, type Logger } from '../log';
import { waitUntilAnswers } from '../redis/wait-ready';
import { configureProgram } from '../security/configure';
import { openDirectory, type ZkConfig } from '../zk/connect';
import type { Directory } from '../zk/directory';
import type { EphemeralRegistration } from '../zk/registration';
import { ServerTask } from './server-task';

type WrapperProgram = 'redis-wrapper' | 'sentinel-wrapper';

/** What a wrapper has once started: the same for redis-wrapper and sentinel-wrapper. */
export interface Wrapper<P extends WrapperProgram> {
  cfg: ReturnType<typeof configureProgram<P>>;
  bind: Address;
  announce: Address;
  dataDir: string;
  /** The base config (REDIS_CONF / SENTINEL_CONF), read whole. */
  baseConfig: string;
  log: Logger;
  dir: Directory;
  task: ServerTask;
}

/**
 * A wrapper's start, before anything program-specific: configuration (fatal if invalid), where to
 * listen and what to announce, the data directory, the base config of its server, the logger
 * (with `context(announce)`), ZooKeeper, and the server task listening for stop signals.
 */
export async function startWrapper<P extends WrapperProgram>(
  program: P,
  o: {
    server: 'redis-server' | 'redis-sentinel';
    baseConfig: (cfg: ReturnType<typeof configureProgram<P>>) => { file: string; variable: string };
    context: (cfg: ReturnType<typeof configureProgram<P>>, announce: Address) => Record<string, unknown>;
  },
): Promise<Wrapper<P>> {
  const cfg = configureProgram(program);
  // What both wrappers read alike (PROGRAM_VARS gives both every one of these).
  const common = cfg as unknown as NetworkConfig & ZkConfig & { DATA_DIR?: string | undefined; LOG_LEVEL: string };
  const endpoints = await resolveEndpoints(common);
  const { bind, announce } = endpoints;
  const dataDir = resolveDataDir(common.DATA_DIR);
  const base = o.baseConfig(cfg);
  const baseConfig = await readBaseConfig(base.file, base.variable);
  const log = createLogger(program, common.LOG_LEVEL).child(o.context(cfg, announce));
  log.info({ bind: formatAddress(bind), source: endpoints.source, reason: endpoints.reason, skipped: endpoints.skipped }, 'bind address chosen');
  const dir = openDirectory(common, log);
  const task = new ServerTask(log, o.server).listenForStopSignals();
  return { cfg, bind, announce, dataDir, baseConfig, log, dir, task };
}

/** Writes DATA_DIR/<fileName> (the base config, then `lines`), starts the server on it, waits until it answers. */
export async function launchServer(
  w: Wrapper<WrapperProgram>,
  o: { bin: string; fileName: string; lines: readonly string[]; serves: 'redis' | 'sentinel'; niceBelow?: number },
): Promise<void> {
  const configFile = await writeGeneratedConfig({ base: w.baseConfig, dir: w.dataDir, fileName: o.fileName, lines: o.lines });
  const server = w.task.start(o.bin, [configFile], o.niceBelow);
  await waitUntilAnswers(w.bind, o.serves, server);
}

/**
 * Registers the task at `path` (ephemeral, its announced address, re-created after a session
 * expiry); ZooKeeper trouble only defers it. The registration goes, and ZooKeeper is closed, when
 * the task ends (after the program's own exit steps, registered before).
 */
export async function registerTask(w: Wrapper<WrapperProgram>, path: string, what: string): Promise<EphemeralRegistration> {
  const registration = w.dir.registration(path, formatAddress(w.announce), w.log);
  await registration.start().catch((err) => w.log.warn({ err: String(err) }, `${what} registration deferred until ZooKeeper answers`));
  return registration;
}

/** The last exit steps of every wrapper: leave the directory, then close ZooKeeper. */
export function leaveOnExit(w: Wrapper<WrapperProgram>, registration: EphemeralRegistration): void {
  w.task.onExit(() => registration.stop());
  w.task.onExit(() => w.dir.close());
}
