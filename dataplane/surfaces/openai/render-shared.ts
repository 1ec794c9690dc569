// Pieces the response and stream renderers share: ids, finish reasons, usage.
import type { CanonicalUsage, StopReason } from "#shared/canonical/response.ts";

export type OpenAiFinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export function toOpenAiFinishReason(reason: StopReason): OpenAiFinishReason {
  switch (reason) {
    case "max_tokens":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "content_filter":
      return "content_filter";
    default:
      // end_turn, stop_sequence, refusal (OpenAI ends refusals with "stop"), pause_turn, other.
      return "stop";
  }
}

/** OpenAI's ids start with `chatcmpl-`; other vendors' ids are kept after the prefix. */
export function completionId(id: string): string {
  if (id.startsWith("chatcmpl-")) return id;
  return `chatcmpl-${id || crypto.randomUUID().replaceAll("-", "")}`;
}

export function toOpenAiUsage(usage: CanonicalUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

/** Tool inputs are parsed JSON; a string is arguments that were never valid JSON, sent as is. */
export function toolArguments(input: unknown): string {
  return typeof input === "string" ? input : JSON.stringify(input ?? {});
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
