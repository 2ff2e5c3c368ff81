import fs from 'node:fs';
import path from 'node:path';
import { Processes, ROOT, rssMb } from './lib';

export const PROGRAMS = ['redis-wrapper', 'sentinel-wrapper', 'watcher'] as const;
export type Program = (typeof PROGRAMS)[number];

/** Where the bench keeps each section's peaks; test/unit/marathon-mem.test.ts holds the apps' `mem` to them. */
export const PEAKS_FILE = path.join(ROOT, 'bench', 'peaks.json');

export interface Peak {
  /** The program's own process. */
  programMb: number;
  /** The task as its memory limit sees it: the program and its children (redis-server, redis-sentinel). */
  taskMb: number;
}
export type Peaks = Partial<Record<Program, Peak>>;

const children = (pid: number): number[] => {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
const rssOr0 = (pid: number): number => {
  try {
    return rssMb(pid);
  } catch {
    return 0;
  }
};

/** The highest resident memory each program of ours reached while `ps` ran (by default every process the bench runs), sampled every `everyMs`. */
export class PeakSampler {
  private readonly peaks: Peaks = {};
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly ps: () => Iterable<Processes> = () => Processes.live,
    everyMs = 250,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    for (const p of [...this.ps()].flatMap((x) => x.all)) {
      const program = PROGRAMS.find((name) => p.label.startsWith(`${name}-`));
      if (!program || !p.running) continue;
      const own = rssOr0(p.pid);
      const task = own + children(p.pid).reduce((sum, c) => sum + rssOr0(c), 0);
      const was = this.peaks[program] ?? { programMb: 0, taskMb: 0 };
      this.peaks[program] = { programMb: Math.max(was.programMb, own), taskMb: Math.max(was.taskMb, task) };
    }
  }

  stop(): Peaks {
    clearInterval(this.timer);
    this.sample();
    return this.peaks;
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Records a section's peaks in PEAKS_FILE, beside the other sections' (each run replaces its own sections only). */
export function recordPeaks(section: string, peaks: Peaks, note: string): void {
  const file: { note?: string; sections: Record<string, { at: string; note: string; peaks: Peaks }> } = fs.existsSync(PEAKS_FILE)
    ? JSON.parse(fs.readFileSync(PEAKS_FILE, 'utf8'))
    : { sections: {} };
  const rounded: Peaks = {};
  for (const [k, v] of Object.entries(peaks)) rounded[k as Program] = { programMb: round1(v.programMb), taskMb: round1(v.taskMb) };
  file.sections[section] = { at: new Date().toISOString(), note, peaks: rounded };
  fs.writeFileSync(PEAKS_FILE, `${JSON.stringify(file, null, 2)}\n`);
}
