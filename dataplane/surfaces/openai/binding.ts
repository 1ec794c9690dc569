// The OpenAI surface as the pipeline drives it. The fast path asks the upstream for the usage
// chunk even when the client did not (it is how spend is known) and strips it again for them;
// the gateway's own fields inside messages do not go up.
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import { openAiErrorEvent } from "../../wire/openai/error-body.ts";
import type { SurfaceBinding } from "../binding.ts";
import { openAiSurface } from "./index.ts";
import { withoutGatewayFields } from "./passthrough-fields.ts";
import { createOpenAiPassthrough } from "./passthrough-stream.ts";

const encoder = new TextEncoder();

export const openAiBinding: SurfaceBinding = {
  name: "openai",
  surface: openAiSurface,
  // delta.content, delta.reasoning_content, delta.tool_calls[].function.arguments
  streamTextFields: ["content", "reasoning_content", "arguments"],
  clientWantsUsage(body) {
    const options = body.stream_options;
    return isRecord(options) && options.include_usage === true;
  },
  passthroughBody(clientBody, model, stream) {
    const sendable = withoutGatewayFields(clientBody);
    const body = sendable.value;
    const warnings = sendable.warnings.length > 0 ? { warnings: sendable.warnings } : {};
    if (!stream) {
      return { body: JSON.stringify({ ...body, model }), clientWantsUsage: true, ...warnings };
    }
    const options = (body.stream_options ?? {}) as Record<string, unknown>;
    const clientWantsUsage = openAiBinding.clientWantsUsage(body);
    const forwarded = clientWantsUsage
      ? body
      : { ...body, stream_options: { ...options, include_usage: true } };
    return { body: JSON.stringify({ ...forwarded, model }), clientWantsUsage, ...warnings };
  },
  passthroughTransform({ clientWantsUsage, onUsage, redact }) {
    return createOpenAiPassthrough({ stripUsageChunk: !clientWantsUsage, onUsage, redact });
  },
  isAnswer(json) {
    if (!isRecord(json) || !Array.isArray(json.choices)) return false;
    for (const choice of json.choices)
      if (!isRecord(choice) || !isRecord(choice.message)) return false;
    return true;
  },
  streamErrorEvent(error: GatewayError) {
    return encoder.encode(openAiErrorEvent(error));
  },
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
