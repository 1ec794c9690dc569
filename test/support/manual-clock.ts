// A clock and timers that move only when a test says so, for code that takes a scheduler
// (`now`, `setTimeout`, `clearTimeout`): tests assert what happened at which instant of this
// clock, never wall-clock spacing, so they hold on a busy machine.

interface Timer {
  at: number;
  callback: () => void;
}

export class ManualClock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): number {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, delayMs), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers set and not yet fired or cleared. */
  pending(): number {
    return this.#timers.size;
  }

  /**
   * Moves the clock `ms` forward, firing each timer due on the way at its own instant, earliest
   * first; after each, `settle` is awaited (the work the timer started, on the real event loop).
   */
  async advance(ms: number, settle: () => Promise<void> = async () => {}): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      let dueId: number | undefined;
      let due: Timer | undefined;
      for (const [id, timer] of this.#timers) {
        if (timer.at <= target && (!due || timer.at < due.at)) {
          dueId = id;
          due = timer;
        }
      }
      if (!due || dueId === undefined) break;
      this.#timers.delete(dueId);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
      await settle();
    }
    this.#now = target;
  }
}
