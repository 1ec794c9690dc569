// What a request costs in USD, from canonical usage and a model's per-token prices.
import type { CanonicalUsage } from "../canonical/response.ts";
import type { ModelPrice } from "./catalog.ts";

/** Token counts below zero (or NaN) from a confused upstream count as none. */
const nonNegative = (tokens: number) => (Number.isFinite(tokens) && tokens > 0 ? tokens : 0);

/**
 * Cost of one response. `inputTokens` includes the cache reads and writes and `outputTokens`
 * includes the reasoning tokens (see CanonicalUsage), so each part is billed once at its rate:
 * uncached input, cache reads, cache writes, visible output, reasoning. Unrounded.
 */
export function costUsd(usage: CanonicalUsage, price: ModelPrice): number {
  const cacheRead = nonNegative(usage.cacheReadTokens);
  const cacheWrite = nonNegative(usage.cacheWriteTokens);
  const reasoning = nonNegative(usage.reasoningTokens);
  const uncachedInput = nonNegative(usage.inputTokens - cacheRead - cacheWrite);
  const visibleOutput = nonNegative(usage.outputTokens - reasoning);
  return (
    uncachedInput * price.input +
    cacheRead * price.cacheRead +
    cacheWrite * price.cacheWrite +
    visibleOutput * price.output +
    reasoning * price.reasoning
  );
}

/** An estimate before the response exists (budget reservations, cost-optimized routing). */
export function estimateCostUsd(
  price: ModelPrice,
  inputTokens: number,
  outputTokens: number,
): number {
  return nonNegative(inputTokens) * price.input + nonNegative(outputTokens) * price.output;
}

/** For display: 10 significant digits, which hides float noise such as 0.30000000000000004. */
export function roundUsd(amount: number): number {
  return Number.isFinite(amount) ? Number(amount.toPrecision(10)) : amount;
}
