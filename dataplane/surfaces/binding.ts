// How the generic pipeline drives one client surface: its parser and renderers, and the pieces
// of the same-shape fast path that depend on the surface's wire format.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import type { Redact } from "#shared/errors/redact.ts";
import type { ChunkTransform } from "./sse-events.ts";
import type { ClientSurface } from "./surface.ts";

export interface PassthroughBody {
  body: string;
  /** OpenAI: whether the client asked for the usage chunk itself (else it is stripped). */
  clientWantsUsage: boolean;
  /** What had to come out of the client's body first (another vendor's thinking signatures). */
  warnings?: ConversionWarning[];
}

export interface SurfaceBinding {
  readonly name: "openai" | "anthropic";
  readonly surface: ClientSurface;
  /**
   * OpenAI: whether a streamed request asked for the usage chunk (`stream_options.include_usage`);
   * every path, translated or not, sends it only then. Surfaces whose streams always carry
   * usage answer true.
   */
  clientWantsUsage(body: Record<string, unknown>): boolean;
  /**
   * The client's body with only `model` replaced (plus what reading usage needs, minus what the
   * upstream would refuse that the gateway itself put there: gateway fields, foreign signatures).
   */
  passthroughBody(body: Record<string, unknown>, model: string, stream: boolean): PassthroughBody;
  /** Forwards the upstream's stream as is, reporting usage on the side (one per response). */
  passthroughTransform(options: {
    clientWantsUsage: boolean;
    onUsage(usage: CanonicalUsage): void;
    /** Scrubs the message of an upstream error event (written again in this surface's shape). */
    redact: Redact;
  }): ChunkTransform;
  /** Whether a same-shape upstream's parsed 2xx body is an answer of this surface's shape. */
  isAnswer(json: unknown): boolean;
  /**
   * The JSON string fields of this surface's stream events that carry generated text: a stream
   * whose usage never arrives is counted from them (pipeline/sent-output.ts).
   */
  readonly streamTextFields: readonly string[];
  /** One SSE event carrying an error in this surface's shape, to end a failed stream. */
  streamErrorEvent(error: GatewayError): Uint8Array;
}
