// usageMetadata → canonical usage. promptTokenCount already includes the cached tokens
// (cachedContentTokenCount is a part of it); thoughtsTokenCount is billed as output but reported
// apart from candidatesTokenCount, so output = candidates + thoughts.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import type { GeminiUsageMetadata } from "./wire-response.ts";

export function convertUsage(metadata: GeminiUsageMetadata | null | undefined): CanonicalUsage {
  const thoughts = metadata?.thoughtsTokenCount ?? 0;
  return {
    // Built-in tools' own prompt (search results and the like) is billed as input too.
    inputTokens: (metadata?.promptTokenCount ?? 0) + (metadata?.toolUsePromptTokenCount ?? 0),
    outputTokens: (metadata?.candidatesTokenCount ?? 0) + thoughts,
    cacheReadTokens: metadata?.cachedContentTokenCount ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: thoughts,
  };
}

/** Stream chunks before the last may carry usageMetadata with no counts at all (trafficType only). */
export function hasTokenCounts(metadata: GeminiUsageMetadata | null | undefined): boolean {
  return (
    metadata != null &&
    (metadata.promptTokenCount != null ||
      metadata.candidatesTokenCount != null ||
      metadata.thoughtsTokenCount != null)
  );
}
