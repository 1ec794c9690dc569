// How fast a batch is sent (pure): as fast as the worker's bound allows, or, for a batch with a
// completion window, the remaining lines over the remaining time, so it finishes inside its
// window without running at full speed (off-peak), within [min, max] lines per second.

export interface PaceInput {
  remainingLines: number;
  /** Until the batch's deadline; null when it has none. */
  remainingMs: number | null;
  minLinesPerSecond: number;
  maxLinesPerSecond: number;
}

/** Lines per second to send at now. */
export function linesPerSecond(input: PaceInput): number {
  const { remainingLines, remainingMs, minLinesPerSecond, maxLinesPerSecond } = input;
  if (remainingMs === null) return maxLinesPerSecond;
  if (remainingMs <= 0) return maxLinesPerSecond;
  // Aim at 90% of the window: room for retries and for lines slower than the average.
  const wanted = remainingLines / ((remainingMs * 0.9) / 1000);
  return Math.min(maxLinesPerSecond, Math.max(minLinesPerSecond, wanted));
}

/** The gap between two dispatches at that rate, in milliseconds. */
export const dispatchGapMs = (rate: number): number => 1000 / rate;
