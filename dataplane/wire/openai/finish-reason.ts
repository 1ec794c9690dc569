// Chat Completions `finish_reason` ↔ canonical stop reason.
import type { StopReason } from "#shared/canonical/response.ts";

export function mapOpenAiFinishReason(reason: string | null | undefined): StopReason {
  switch (reason) {
    case "stop":
      return "end_turn";
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "content_filter";
    default:
      return "other";
  }
}

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
