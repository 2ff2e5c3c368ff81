/**
 * A writer's record of its acknowledged writes: each key and when it was acknowledged, read for
 * the longest gap between two acknowledgements. Shared by the ioredis and the redis-py writers.
 */
export class AckLog {
  private readonly at: number[] = [];
  private readonly ackedKeys: string[] = [];

  add(key: string, at = Date.now()): void {
    this.ackedKeys.push(key);
    this.at.push(at);
  }
  get count(): number {
    return this.ackedKeys.length;
  }
  get keys(): readonly string[] {
    return this.ackedKeys;
  }
  since(t: number): number {
    return this.at.filter((x) => x > t).length;
  }
  /** The longest gap between two acknowledged writes that overlaps [from, to]. */
  longestGap(from: number, to = Date.now()): number {
    let gap = 0;
    for (let i = 1; i < this.at.length; i += 1) {
      if (this.at[i]! > from && this.at[i - 1]! < to) gap = Math.max(gap, this.at[i]! - this.at[i - 1]!);
    }
    return gap;
  }
}

/** How many of `keys` the master behind `mget` does not have (read 500 at a time). */
export async function countMissing(keys: readonly string[], mget: (keys: string[]) => Promise<Array<string | null>>): Promise<number> {
  let lost = 0;
  for (let i = 0; i < keys.length; i += 500) {
    lost += (await mget(keys.slice(i, i + 500))).filter((v) => v === null).length;
  }
  return lost;
}

export interface WaitWriterFigures {
  acked: number;
  failed: number;
  lost: number;
  /** Longest gap between two acknowledged writes. */
  maxOutageMs: number;
}

/** What the WAIT-1 writers share (ioredis's, redis-py's): their record, read for counts and gaps. */
export abstract class AckingWriter {
  protected readonly log = new AckLog();
  failed = 0;

  get acked(): number {
    return this.log.count;
  }
  ackedSince(t: number): number {
    return this.log.since(t);
  }
  /** The longest gap between two acknowledged writes that overlaps [from, to]. */
  longestGap(from: number, to = Date.now()): number {
    return this.log.longestGap(from, to);
  }
  abstract start(): void;
  /** Stops writing and checks every acknowledged key on the current master. */
  abstract stop(): Promise<WaitWriterFigures>;
}
