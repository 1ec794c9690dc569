// The sliding-window counter behind per-key limits (docs/limits.md): counts are kept per fixed
// one-minute window (aligned to the epoch, so every node of a fleet has the same windows), and
// the count "in the last minute" is the previous window's count weighted by the part of it still
// inside the last minute, plus the current window's. Pure arithmetic, no state.

export const WINDOW_MS = 60_000;

/** The start of the window holding `nowMs`. */
export const windowStartOf = (nowMs: number) => nowMs - (nowMs % WINDOW_MS);

/** What was used in the last minute: `previous` weighted by what is left of it, plus `current`. */
export function slidingCount(previous: number, current: number, elapsedMs: number): number {
  return previous * (1 - elapsedMs / WINDOW_MS) + current;
}

/**
 * Milliseconds until `cost` more fits under `limit` if nothing else is admitted meanwhile: the
 * previous window's share shrinks by `previous / WINDOW_MS` a millisecond, and once the current
 * window is the previous one, its own share shrinks the same way. Infinity when `cost` alone is
 * more than the limit.
 */
export function waitMs(
  previous: number,
  current: number,
  elapsedMs: number,
  cost: number,
  limit: number,
): number {
  if (cost > limit) return Number.POSITIVE_INFINITY;
  const excess = slidingCount(previous, current, elapsedMs) + cost - limit;
  if (excess <= 0) return 0;
  const leftInWindow = WINDOW_MS - elapsedMs;
  if (previous > 0) {
    const withinWindow = (excess * WINDOW_MS) / previous;
    if (withinWindow <= leftInWindow) return Math.ceil(withinWindow);
  }
  // In the next window the count is `current × (1 − x / WINDOW_MS)`: solve for x.
  const room = limit - cost;
  const intoNext = current > room ? WINDOW_MS * (1 - room / current) : 0;
  return Math.ceil(leftInWindow + intoNext);
}

/** Milliseconds until the count is back to zero if nothing else is admitted. */
export function resetMs(previous: number, current: number, elapsedMs: number): number {
  const leftInWindow = WINDOW_MS - elapsedMs;
  if (current > 0) return leftInWindow + WINDOW_MS;
  return previous > 0 ? leftInWindow : 0;
}
