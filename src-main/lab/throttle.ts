// Keeps the latest of a fast stream of values and delivers at most a few per second, so the
// renderer redraws at a bounded rate however fast training steps or download chunks arrive.

export class LatestThrottle<T> {
  private pending: { value: T } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastSent = Number.NEGATIVE_INFINITY;
  private readonly intervalMs: number;

  constructor(
    perSecond: number,
    private readonly send: (value: T) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.intervalMs = 1000 / perSecond;
  }

  /** Sends `value` now if the interval has passed, else keeps it (replacing older ones) for later. */
  push(value: T): void {
    const wait = this.lastSent + this.intervalMs - this.now();
    if (wait <= 0 && this.timer === null) {
      this.deliver(value);
      return;
    }
    this.pending = { value };
    if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), Math.max(0, wait));
      this.timer.unref?.();
    }
  }

  /** Sends the kept value now, if any (before an event that must follow it in order). */
  flush(): void {
    this.clearTimer();
    const pending = this.pending;
    this.pending = null;
    if (pending !== null) {
      this.deliver(pending.value);
    }
  }

  /** Drops the kept value and stops the timer. */
  cancel(): void {
    this.clearTimer();
    this.pending = null;
  }

  private deliver(value: T): void {
    this.lastSent = this.now();
    this.send(value);
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
