// What each client-facing surface provides: its request shape in, its response, stream and
// error shapes out. The pipeline is the same for every surface.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import type { Converted } from "#shared/canonical/warnings.ts";
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import type { WireShape } from "../providers/adapter.ts";

export interface SurfaceRenderOptions {
  /** The model name the client asked for (e.g. "@default"), for shapes that echo it. */
  requestedModel: string;
  /** The model that answered. */
  servedModel: string;
  /** OpenAI: whether the client asked for the usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
  /**
   * Anthropic: the prompt's estimated token count, for `message_start` when the upstream has not
   * reported the real count before the first token (it is replaced in `message_delta`).
   */
  estimatedInputTokens: number;
}

export interface ClientSurface {
  readonly shape: WireShape;
  /**
   * The client's JSON body → canonical. Throws GatewayError("invalid_request") naming the field
   * for anything malformed; never anything else.
   */
  parseRequest(body: Record<string, unknown>, headers: Headers): Converted<CanonicalRequest>;
  renderResponse(response: CanonicalResponse, options: SurfaceRenderOptions): unknown;
  /** Canonical events → this surface's SSE bytes, chunk by chunk, never buffered. */
  renderStream(
    events: AsyncIterable<CanonicalStreamEvent>,
    options: SurfaceRenderOptions,
  ): ReadableStream<Uint8Array>;
  renderError(error: GatewayError): string;
}
