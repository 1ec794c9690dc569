// The worker's time: what it paces, retries, leases and deadlines by. Tests pass a clock that
// jumps forward when the worker sleeps, so a paced batch runs at once and deterministically.
// A sleep ends early when `signal` aborts (the worker's stop): a stopping control plane never
// waits out an idle worker's poll interval or a batch's pacing gap.

export interface WorkerClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: WorkerClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener("abort", done, { once: true });
    }),
};
