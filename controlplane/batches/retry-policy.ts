// Which failed lines are sent again (pure): an answer that says "try later" (rate limited,
// overloaded, upstream unavailable or timed out) or no answer at all, up to the attempt bound.
// A 4xx about the request itself is the line's result: sending it again cannot change it.

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504, 529]);

export function isRetryable(statusCode: number | null): boolean {
  return statusCode === null || RETRYABLE_STATUS.has(statusCode);
}

export function shouldRetry(statusCode: number | null, attempts: number, maxAttempts: number) {
  return attempts < maxAttempts && isRetryable(statusCode);
}

/** Back-off before attempt `attempts + 1`: base, then doubled each time. */
export const retryDelayMs = (attempts: number, baseMs: number): number =>
  baseMs * 2 ** Math.max(0, attempts - 1);
