// Chat Completions `usage` ↔ canonical usage. Read by hand, not through a schema: the fast path
// calls this on streamed usage chunks and vendors add fields of their own (Groq's timings, xAI's
// cost ticks, DeepSeek's cache hit counts). Written for the OpenAI surface's answers.
import type { CanonicalUsage } from "#shared/canonical/response.ts";

export function convertOpenAiUsage(usage: unknown): CanonicalUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const inputTokens = count(usage.prompt_tokens);
  const completionTokens = count(usage.completion_tokens);
  const promptDetails = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const completionDetails = isRecord(usage.completion_tokens_details)
    ? usage.completion_tokens_details
    : {};
  const reasoningTokens = count(completionDetails.reasoning_tokens);
  const cacheReadTokens =
    count(promptDetails.cached_tokens) || count(usage.prompt_cache_hit_tokens);
  // OpenAI counts reasoning inside completion_tokens; xAI does not (its total_tokens is prompt +
  // completion + reasoning). The canonical output always includes reasoning.
  const reasoningOutside =
    reasoningTokens > 0 &&
    count(usage.total_tokens) === inputTokens + completionTokens + reasoningTokens;
  return {
    inputTokens,
    outputTokens: reasoningOutside ? completionTokens + reasoningTokens : completionTokens,
    cacheReadTokens,
    cacheWriteTokens: 0,
    reasoningTokens,
  };
}

/** Canonical usage as the OpenAI surface writes it in answers and the usage chunk. */
export function toOpenAiUsage(usage: CanonicalUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
