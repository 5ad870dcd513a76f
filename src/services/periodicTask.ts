// A background pass on a timer (the job reaper, the retraining check): one pass at a time (a
// pass still running when the timer fires again is not started twice), its failures reported
// rather than thrown, and stop() waits for the pass in flight.
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Runs a pass every `intervalMs`; the timer keeps no process alive. Starting a started task does nothing. */
  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.runOnce(), intervalMs);
    this.timer.unref();
  }

  /** Starts a pass now unless one is running. */
  runOnce(): void {
    if (this.running) return;
    this.running = this.pass()
      .then(() => undefined)
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Stops the timer and waits for the pass in flight, if any. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
