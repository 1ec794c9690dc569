// How fast simulated batches (OpenAI's and Anthropic's) move through their lifecycle: a batch
// advances one state after `pollsPerState` retrievals, so a client polling it sees each state
// without the suite waiting on a clock. Set with PUT /_sim/batches (control API).
export interface BatchPace {
  /** Retrievals a batch spends in each state before it moves on (1 by default; 0: done at once). */
  pollsPerState: number;
}

export const DEFAULT_BATCH_PACE: BatchPace = { pollsPerState: 1 };

/** A batch's lifecycle position: which state and how many retrievals it has spent there. */
export interface BatchClock {
  step: number;
  polls: number;
  /** Set by POST /_sim/batches/{id}/expire: the next retrieval ends it as expired. */
  expire: boolean;
}

/**
 * Counts one retrieval; true when the batch should move to its next state now. With
 * `pollsPerState: 0` every retrieval moves it on until it is done.
 */
export function countPoll(clock: BatchClock, pace: BatchPace): boolean {
  clock.polls += 1;
  if (clock.polls < pace.pollsPerState) return false;
  clock.polls = 0;
  return true;
}
