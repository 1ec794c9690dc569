// How the generic pipeline drives one client surface: its parser and renderers, and the pieces
// of the same-shape fast path that depend on the surface's wire format.
import type { CanonicalResponse, CanonicalUsage } from "#shared/canonical/response.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import type { Redact } from "#shared/errors/redact.ts";
import type { DataPlaneContext } from "../context.ts";
import type { AdapterTarget, ProviderAdapter, UpstreamCall } from "../providers/adapter.ts";
import type { Attempt } from "../routing/plan.ts";
import type { RuntimeApiKey, RuntimeProvider } from "../snapshot/runtime-config.ts";
import type { ChunkTransform } from "./sse-events.ts";
import type { ClientSurface } from "./surface.ts";

export interface PassthroughBody {
  body: string;
  /** OpenAI: whether the client asked for the usage chunk itself (else it is stripped). */
  clientWantsUsage: boolean;
  /** What had to come out of the client's body first (another vendor's thinking signatures). */
  warnings?: ConversionWarning[];
}

/** An adapter's builder of a fast-path call: the client's body (model replaced) as is. */
export type FastPathBuilder = (
  body: string,
  stream: boolean,
  target: AdapterTarget,
  forwardHeaders: Record<string, string>,
) => UpstreamCall | Promise<UpstreamCall>;

/** What a binding may read before the request is parsed (to load state the request names). */
export interface BindingRequest {
  body: Record<string, unknown>;
  headers: Headers;
  key: RuntimeApiKey;
  context: DataPlaneContext;
}

/**
 * A surface whose requests name state the gateway keeps (Responses: `previous_response_id`)
 * makes its binding per request: after authentication, before the body is parsed; it may read
 * the state store, and refuse the request (a GatewayError).
 */
export interface PerRequestBinding {
  forRequest(request: BindingRequest): Promise<SurfaceBinding>;
}

export interface SurfaceBinding {
  readonly name: "openai" | "anthropic" | "responses";
  readonly surface: ClientSurface;
  /**
   * The adapter's builder that serves this surface's same-shape fast path, or undefined when
   * the adapter's vendor does not speak the surface's shape (the request is translated). Without
   * it: the adapter's `buildPassthrough` when its shape is the surface's.
   */
  fastPath?(adapter: ProviderAdapter): FastPathBuilder | undefined;
  /** A translated attempt is about to be built: its warnings, or a GatewayError it cannot be. */
  beforeTranslation?(target: AdapterTarget): ConversionWarning[];
  /**
   * The attempt that answers is known (before any byte of the answer is read), with the budgets
   * the request is charged to (their spend keys), for answers whose cost is known only later.
   */
  onServed?(served: Attempt, fastPath: boolean, spendKeys: readonly string[]): void;
  /**
   * A non-streamed answer as the client gets it (rendered, or the upstream's JSON on the fast
   * path), before it is sent: awaited (Responses stores it here), its warnings added to the
   * answer's. A stream does the same inside its renderer or transform, before its last event.
   */
  settleAnswer?(answer: Record<string, unknown>): Promise<ConversionWarning[]>;
  /**
   * A fast-path answer the surface must correct before it goes out (Responses: the
   * previous_response_id the client sent, where the gateway sent the chain as items), or null
   * to send the upstream's bytes as they are.
   */
  rewriteAnswer?(answer: Record<string, unknown>): Record<string, unknown> | null;
  /** The fast path's parsed answer as canonical (usage, content capture); else the adapter's. */
  readAnswer?(json: unknown): CanonicalResponse;
  /** A streamed dry run's events in this surface's format (`dryRun` is the decision). */
  dryRunStream?(requestId: string, model: string, dryRun: unknown): string;
  /** The prompt as captured for the request log (projects with capture_content). */
  capturedPrompt?(body: Record<string, unknown>): unknown;
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
  passthroughBody(
    body: Record<string, unknown>,
    model: string,
    stream: boolean,
    /** The provider the attempt calls (Responses forwards `previous_response_id` to its maker). */
    provider?: RuntimeProvider,
  ): PassthroughBody;
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
