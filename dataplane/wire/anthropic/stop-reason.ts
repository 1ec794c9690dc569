// Anthropic's stop_reason ↔ canonical. Values Anthropic adds later map to "other".
import type { StopReason } from "#shared/canonical/response.ts";

const STOP_REASONS: ReadonlyMap<string, StopReason> = new Map<string, StopReason>([
  ["end_turn", "end_turn"],
  ["max_tokens", "max_tokens"],
  ["stop_sequence", "stop_sequence"],
  ["tool_use", "tool_use"],
  ["pause_turn", "pause_turn"],
  ["refusal", "refusal"],
  // The context window, not max_tokens, cut the answer: to a caller, the same truncation.
  ["model_context_window_exceeded", "max_tokens"],
]);

export function mapAnthropicStopReason(reason: string | null | undefined): StopReason {
  return (reason && STOP_REASONS.get(reason)) || "other";
}

export function toAnthropicStopReason(reason: StopReason): string {
  switch (reason) {
    case "content_filter":
      return "refusal";
    case "error":
    case "other":
      return "end_turn";
    default:
      return reason;
  }
}
