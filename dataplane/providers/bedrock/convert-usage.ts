// Converse usage and stop reasons → canonical. Bedrock's inputTokens leaves out the tokens read
// from or written to the prompt cache; the canonical input count includes them. Bedrock does
// not report reasoning tokens apart from the output, so they are estimated from the reasoning
// text (wire/reasoning-estimate.ts).
import type { CanonicalUsage, StopReason } from "#shared/canonical/response.ts";
import { estimatedReasoningTokens } from "../../wire/reasoning-estimate.ts";
import type { AdditionalResponseFields, ConverseUsage } from "./converse-schemas.ts";

/** `thinkingCharacters`: the length of the answer's reasoning text, for the estimate. */
export function convertUsage(
  usage: ConverseUsage | null | undefined,
  thinkingCharacters = 0,
): CanonicalUsage {
  const cacheRead = usage?.cacheReadInputTokens ?? 0;
  const cacheWrite = usage?.cacheWriteInputTokens ?? 0;
  const outputTokens = usage?.outputTokens ?? 0;
  return {
    inputTokens: (usage?.inputTokens ?? 0) + cacheRead + cacheWrite,
    outputTokens,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: estimatedReasoningTokens(thinkingCharacters, outputTokens),
  };
}

export function mapStopReason(stopReason: string | null | undefined): StopReason {
  switch (stopReason) {
    case "end_turn":
      return "end_turn";
    case "tool_use":
      return "tool_use";
    case "max_tokens":
    case "model_context_window_exceeded":
      return "max_tokens";
    case "stop_sequence":
      return "stop_sequence";
    case "guardrail_intervened":
    case "content_filtered":
      return "content_filter";
    case "malformed_model_output":
    case "malformed_tool_use":
      return "error";
    default:
      return "other";
  }
}

export function stopSequenceOf(fields: AdditionalResponseFields): string | undefined {
  return fields?.stop_sequence ?? fields?.delta?.stop_sequence ?? undefined;
}
