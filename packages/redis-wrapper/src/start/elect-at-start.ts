import { type NodeTags, type Wrapper, wipedFrom } from '@redis-zk/core';
import { memberDataId, persistedBytes } from '../data-dir';
import { type Elected, elect, ElectionGaveUp } from '../election/elect';
import { publishTags } from '../election/publish-tags';

/** The election's outcome, with what the node learnt of itself on the way. */
export type StartElection = Elected & {
  /** The data directory's id (the member record's dataId). */
  dataId: string;
  /** Back with an empty directory where its record shows data (the empty guard holds it back). */
  wiped: boolean;
};

/**
 * The node's start in the set: its tags published in its member record, the empty guard's
 * verdict (back wiped?), then the election under the ZooKeeper lock. Undefined when no election
 * outcome is safe (the task exits and is restarted).
 */
export async function electAtStart(w: Wrapper<'redis-wrapper'>, tags: NodeTags): Promise<StartElection | undefined> {
  const { cfg, dir, dataDir, announce, log } = w;
  const name = cfg.MASTER_NAME;
  const [selfDataBytes, dataId] = await Promise.all([persistedBytes(dataDir), memberDataId(dataDir)]);
  const records = await dir.readMemberRecords(name).catch((err: unknown) => {
    log.warn({ err: String(err) }, 'could not read the member records at start: no empty guard, tags published by the node loop');
    return [];
  });
  await publishTags(dir, name, { dataId, tags, records }, log);
  const wiped = wipedFrom(records, announce, dataId, selfDataBytes);
  if (wiped.wiped) log.warn({ reason: wiped.reason }, 'empty guard: never master nor sync source while a node with the data lives');
  try {
    const elected = await elect({
      dir,
      name,
      self: announce,
      selfDataBytes,
      selfDataId: dataId,
      timeoutMs: cfg.MASTER_WAIT_TIMEOUT_MS,
      dataWaitMs: cfg.ELECTION_DATA_WAIT_MS,
      neverPromote: tags.neverPromote,
      wiped: wiped.wiped,
      log,
    });
    return { ...elected, dataId, wiped: wiped.wiped };
  } catch (err) {
    if (!(err instanceof ElectionGaveUp)) throw err;
    log.error({ reason: err.message }, 'no safe election outcome; exiting so the task is restarted');
    return undefined;
  }
}
