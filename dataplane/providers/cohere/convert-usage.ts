// Chat v2 `usage` → canonical usage. `billed_units` is what Cohere charges for; `tokens` also
// counts the preamble Cohere adds to every prompt (507 tokens for a 12-token question in
// cohere-text.json), which is never billed. Costs and budgets must match the invoice, so billed
// units come first, streamed or not, and `tokens` only fills a count billed_units lacks.
// `cached_tokens` counts the preamble too and is not billed differently, so it is not reported
// as cache reads (it would exceed the billed input). Reasoning is estimated from the thinking
// text (wire/reasoning-estimate.ts): Cohere does not count it apart.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { estimatedReasoningTokens } from "../../wire/reasoning-estimate.ts";

/** `thinkingCharacters`: the length of the answer's thinking text, for the reasoning estimate. */
export function convertCohereUsage(
  usage: unknown,
  thinkingCharacters = 0,
): CanonicalUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const billed = isRecord(usage.billed_units) ? usage.billed_units : {};
  const tokens = isRecord(usage.tokens) ? usage.tokens : {};
  const outputTokens = count(billed.output_tokens) ?? count(tokens.output_tokens) ?? 0;
  return {
    inputTokens: count(billed.input_tokens) ?? count(tokens.input_tokens) ?? 0,
    outputTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    // Cohere counts thinking inside output tokens without saying how much of it there was.
    reasoningTokens: estimatedReasoningTokens(thinkingCharacters, outputTokens),
  };
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
