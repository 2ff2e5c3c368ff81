/** What the node loop has done since start, for /metrics. */
export interface NodeCounters {
  repoints: number;
  fences: number;
  recoveryAttempts: number;
  recoveries: number;
  crashFailovers: number;
  /** Times this master paused its writes: cut off from ZooKeeper and a Sentinel majority, or being failed over from. */
  writePauses: number;
}

export const newCounters = (): NodeCounters => ({ repoints: 0, fences: 0, recoveryAttempts: 0, recoveries: 0, crashFailovers: 0, writePauses: 0 });
