// The Anthropic surface as the pipeline drives it. Anthropic streams always carry usage, so the
// fast path forwards the client's body with only `model` replaced.
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import type { SurfaceBinding } from "../binding.ts";
import { anthropicSurface } from "./index.ts";
import { createAnthropicPassthroughStream } from "./passthrough-stream.ts";

const encoder = new TextEncoder();

export const anthropicBinding: SurfaceBinding = {
  name: "anthropic",
  surface: anthropicSurface,
  passthroughBody(body, model) {
    return { body: JSON.stringify({ ...body, model }), clientWantsUsage: true };
  },
  passthroughStream(upstream, { onUsage }) {
    return createAnthropicPassthroughStream(upstream, { onUsage });
  },
  streamErrorEvent(error: GatewayError) {
    return encoder.encode(`event: error\ndata: ${anthropicSurface.renderError(error)}\n\n`);
  },
};
