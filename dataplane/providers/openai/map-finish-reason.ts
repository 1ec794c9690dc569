// Chat Completions `finish_reason` → canonical stop reason.
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
