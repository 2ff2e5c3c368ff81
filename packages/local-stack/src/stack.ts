import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '@redis-zk/core';
import { Launcher } from './launcher';
import { type AppSpec, loadApps } from './marathon';
import { LocalSecrets } from './secrets';
import { LocalZooKeeper } from './zookeeper';
import { LocalZooKeeperEnsemble } from './zookeeper-ensemble';

export interface StackOptions {
  /** Marathon group or app file; default: the project's marathon/redis-zk.json. */
  group?: string;
  /** Where ZooKeeper's data and the task sandboxes go; default: a new temp dir. */
  dir?: string;
  /** Extra environment for every task (e.g. faster Sentinel settings in tests). */
  env?: Record<string, string>;
  backoffScale?: number;
  /** ZooKeeper servers: 1 (default) or an ensemble of 3 or 5, as production runs. */
  zkServers?: number;
}

/** What a stack's ZooKeeper offers, one server or an ensemble. */
export type StackZooKeeper = Pick<LocalZooKeeper, 'connectString' | 'pause' | 'cont' | 'stop' | 'resume' | 'members'>;

/** ZooKeeper plus every app of the Marathon definitions, run locally. */
export class LocalStack {
  private constructor(
    readonly dir: string,
    readonly zk: StackZooKeeper,
    readonly launcher: Launcher,
    readonly apps: AppSpec[],
    readonly secrets: LocalSecrets,
  ) {}

  static async start(o: StackOptions = {}): Promise<LocalStack> {
    const apps = loadApps(o.group ?? path.join(projectRoot(), 'marathon', 'redis-zk.json'));
    const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'redis-zk-local-'));
    const zkDir = path.join(dir, 'zookeeper');
    const zk: StackZooKeeper = (o.zkServers ?? 1) > 1 ? await LocalZooKeeperEnsemble.start(zkDir, { size: o.zkServers }) : await LocalZooKeeper.start(zkDir);
    // Marathon's secret store, locally: generated values (`env` still overrides them).
    const secrets = LocalSecrets.create(path.join(dir, 'secrets'), apps);
    // What differs from a Mesos agent: ZooKeeper is local, and tasks serve on loopback.
    const overrides = { ZK_HOSTS: zk.connectString, BIND_IP: '127.0.0.1', ...o.env };
    const launcher = new Launcher({
      apps,
      dir: path.join(dir, 'tasks'),
      cwd: projectRoot(),
      overrides,
      secrets: (app) => secrets.envOf(app),
      backoffScale: o.backoffScale,
    });
    await launcher.start();
    return new LocalStack(dir, zk, launcher, apps, secrets);
  }

  /** The app whose cmd runs `program` (redis-wrapper, sentinel-wrapper, watcher). */
  appRunning(program: string): AppSpec {
    const app = this.apps.find((a) => a.cmd.includes(`packages/${program}/`));
    if (!app) throw new Error(`no app in the definitions runs ${program}`);
    return app;
  }

  tasksRunning(program: string) {
    return this.launcher.tasksOf(this.appRunning(program).id);
  }

  async stop(opts: { keepFiles?: boolean } = {}): Promise<void> {
    await this.launcher.stop();
    await this.zk.stop();
    if (!opts.keepFiles) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
