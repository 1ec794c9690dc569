// The batch worker's clock for tests: `sleep` moves the clock forward at once instead of waiting,
// so pacing and completion windows play out instantly and at known instants.
import type { WorkerClock } from "../../controlplane/batches/clock.ts";

export function jumpingClock(start: number): WorkerClock {
  let now = start;
  return {
    now: () => now,
    async sleep(ms) {
      now += Math.max(1, ms);
      await Promise.resolve();
    },
  };
}
