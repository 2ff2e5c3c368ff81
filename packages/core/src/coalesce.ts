/**
 * Runs `work` one at a time however often it is triggered: a trigger during a run schedules
 * exactly one more run. For refreshes driven by watches, reconnects and timers, where only the
 * latest state matters.
 */
export class Coalesced {
  private running = false;
  private pending: string | undefined;

  constructor(private readonly work: (reason: string) => Promise<void>) {}

  trigger(reason: string): void {
    if (this.running) {
      this.pending = reason;
      return;
    }
    this.running = true;
    void this.work(reason)
      .catch(() => undefined) // work reports its own errors
      .finally(() => {
        this.running = false;
        const next = this.pending;
        this.pending = undefined;
        if (next !== undefined) this.trigger(next);
      });
  }
}
