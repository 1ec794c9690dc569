// Chat v2 `finish_reason` → canonical stop reason. ERROR_TOXIC and ERROR_LIMIT are v1 names some
// deployments still send.
import type { StopReason } from "#shared/canonical/response.ts";

export function mapCohereFinishReason(reason: string | null | undefined): StopReason {
  switch (reason) {
    case "COMPLETE":
      return "end_turn";
    case "MAX_TOKENS":
    case "ERROR_LIMIT":
      return "max_tokens";
    case "STOP_SEQUENCE":
      return "stop_sequence";
    case "TOOL_CALL":
      return "tool_use";
    case "ERROR_TOXIC":
      return "content_filter";
    case "ERROR":
    case "TIMEOUT":
      return "error";
    default:
      return "other";
  }
}
