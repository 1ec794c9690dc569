// The Anthropic surface as the pipeline drives it. Anthropic streams always carry usage, so the
// fast path forwards the client's body with only `model` replaced (and thinking Claude did not
// sign taken out).
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import { anthropicErrorEvent } from "../../wire/anthropic/error-body.ts";
import type { SurfaceBinding } from "../binding.ts";
import { anthropicSurface } from "./index.ts";
import { createAnthropicPassthrough } from "./passthrough-stream.ts";
import { claudeThinkingOnly } from "./passthrough-thinking.ts";

const encoder = new TextEncoder();

export const anthropicBinding: SurfaceBinding = {
  name: "anthropic",
  surface: anthropicSurface,
  // text_delta.text, thinking_delta.thinking, input_json_delta.partial_json
  streamTextFields: ["text", "thinking", "partial_json"],
  clientWantsUsage: () => true,
  passthroughBody(body, model) {
    const sendable = claudeThinkingOnly(withoutModeluxMetadata(body));
    return {
      body: JSON.stringify({ ...sendable.value, model }),
      clientWantsUsage: true,
      ...(sendable.warnings.length > 0 ? { warnings: sendable.warnings } : {}),
    };
  },
  passthroughTransform({ onUsage, redact }) {
    return createAnthropicPassthrough({ onUsage, redact });
  },
  isAnswer(json) {
    if (typeof json !== "object" || json === null || Array.isArray(json)) return false;
    const answer = json as { type?: unknown; content?: unknown };
    return answer.type === "message" && Array.isArray(answer.content);
  },
  streamErrorEvent(error: GatewayError) {
    return encoder.encode(anthropicErrorEvent(error));
  },
};

/**
 * `metadata.conversation_id` and `metadata.trace_id` are modelux's fallbacks for its headers
 * (DESIGN §11); Anthropic accepts only `user_id` there, so they stop at the gateway.
 */
function withoutModeluxMetadata(body: Record<string, unknown>): Record<string, unknown> {
  const metadata = body.metadata;
  if (!metadata || typeof metadata !== "object" || Array.isArray(metadata)) return body;
  const {
    conversation_id: _conversation,
    trace_id: _trace,
    ...kept
  } = metadata as Record<string, unknown>;
  if (Object.keys(kept).length === Object.keys(metadata).length) return body;
  return Object.keys(kept).length > 0 ? { ...body, metadata: kept } : withoutKey(body, "metadata");
}

function withoutKey(body: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = body;
  return rest;
}
