// Gemini's finishReason (and promptFeedback.blockReason) → the canonical stop reason. Gemini
// says STOP after function calls too, and after a stop sequence: it never tells them apart.
import type { StopReason } from "#shared/canonical/response.ts";

const CONTENT_FILTER = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "IMAGE_RECITATION",
]);

export function mapFinishReason(
  finishReason: string | null | undefined,
  hasToolCalls: boolean,
): StopReason {
  if (finishReason === "STOP") return hasToolCalls ? "tool_use" : "end_turn";
  if (finishReason === "MAX_TOKENS") return "max_tokens";
  if (finishReason && CONTENT_FILTER.has(finishReason)) return "content_filter";
  if (finishReason === "MALFORMED_FUNCTION_CALL") return "error";
  return "other";
}
