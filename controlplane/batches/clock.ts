// The worker's time: what it paces, retries, leases and deadlines by. Tests pass a clock that
// jumps forward when the worker sleeps, so a paced batch runs at once and deterministically.

export interface WorkerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: WorkerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
