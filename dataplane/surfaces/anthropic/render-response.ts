// The canonical response → a Messages object, as the Anthropic SDK reads it.
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import { toAnthropicStopReason } from "../../wire/anthropic/stop-reason.ts";
import { toAnthropicUsage } from "../../wire/anthropic/usage.ts";
import type { SurfaceRenderOptions } from "../surface.ts";
import { messageId, toAnthropicBlock } from "./render-shared.ts";

export function renderAnthropicResponse(
  response: CanonicalResponse,
  options: SurfaceRenderOptions,
): Record<string, unknown> {
  return {
    id: messageId(response.id),
    type: "message",
    role: "assistant",
    model: options.servedModel || response.model,
    content: response.content.map(toAnthropicBlock),
    stop_reason: toAnthropicStopReason(response.stopReason),
    stop_sequence: response.stopSequence ?? null,
    usage: toAnthropicUsage(response.usage),
  };
}
