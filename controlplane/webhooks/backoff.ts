// When a failed delivery is tried again: the base delay doubled per attempt, capped at 6 h, with
// jitter (50-100 % of the delay) so receivers coming back are not hit by a synchronised wave.
const MAX_DELAY_MS = 6 * 60 * 60 * 1000;

export function retryDelayMs(
  attempts: number,
  baseMs: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
  return Math.round(exponential * (0.5 + random() * 0.5));
}
