import path from 'node:path';
import { projectRoot } from '@redis-zk/core';
import { type AppDefinition, loadAppDefinitions } from './app-definition';
import { type Deployment, MarathonModel, type ModelOptions } from './marathon-model';
import { LocalSecrets } from './secrets';
import { LocalZooKeeper } from './zookeeper';

export interface ModelStackOptions extends ModelOptions {
  /** Marathon group or app file, read unchanged; default: the project's marathon/redis-zk.json. */
  group?: string;
}

/**
 * The deployment as a DC/OS cluster runs it, on the model: ZooKeeper on master.mesos:2181 (the
 * infra namespace), and every app of the Marathon definitions deployed on the agents.
 */
export class ModelStack {
  private constructor(
    readonly model: MarathonModel,
    readonly zk: LocalZooKeeper,
    readonly apps: AppDefinition[],
    readonly deployments: Deployment[],
    /** The stand-in secret store: the values the tasks got (a test's clients need the password). */
    readonly secrets: LocalSecrets,
  ) {}

  static async start(o: ModelStackOptions = {}): Promise<ModelStack> {
    const apps = loadAppDefinitions(o.group ?? path.join(projectRoot(), 'marathon', 'redis-zk.json'));
    let secrets: LocalSecrets | undefined;
    // Marathon's secret store, locally: generated values, made once the model has its directory.
    const model = await MarathonModel.start({ ...o, secrets: (app) => secrets?.envOf(app) ?? {} });
    secrets = LocalSecrets.create(path.join(model.dir, 'secrets'), apps);
    try {
      const probe = model.infraProbe;
      const zk = await LocalZooKeeper.start(path.join(model.dir, 'zookeeper'), {
        placement: {
          host: model.infra.ip,
          wrap: (cmd, args) => model.infra.wrap(cmd, args),
          ruok: async (host, port) => (await probe.tcp(host, port, 2000, 'ruok').catch(() => '')) === 'imok',
        },
      });
      model.track(zk.proc!);
      return new ModelStack(model, zk, apps, model.deploy(apps), secrets);
    } catch (err) {
      await model.stop({ keepFiles: true });
      throw err;
    }
  }

  /** The app whose cmd runs `program` (redis-wrapper, sentinel-wrapper, watcher). */
  appRunning(program: string): AppDefinition {
    const app = this.apps.find((a) => (a.cmd ?? a.args?.join(' ') ?? '').includes(`packages/${program}/`));
    if (!app) throw new Error(`no app in the definitions runs ${program}`);
    return app;
  }

  /** ZooKeeper becomes unreachable from every agent (its port dropped on their side); Marathon and the infra namespace still reach it. */
  cutZooKeeper(): void {
    for (const a of this.model.agents) if (!a.gone) this.model.network.blockTcpPort(a.ns, this.zk.port);
  }

  healZooKeeper(): void {
    for (const a of this.model.agents) if (!a.gone) this.model.network.unblockTcpPort(a.ns, this.zk.port);
  }

  async stop(opts: { keepFiles?: boolean } = {}): Promise<void> {
    await this.model.stop(opts);
  }
}
