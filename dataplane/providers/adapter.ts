// What every vendor adapter provides (DESIGN §5). Generic code talks to vendors only through
// this; differences are capabilities, never `if (vendor === …)`.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import type { Converted } from "#shared/canonical/warnings.ts";
import type { UpstreamError } from "#shared/errors/upstream-error.ts";
import type { RuntimeProvider } from "../snapshot/runtime-config.ts";

/**
 * The wire shape a vendor speaks. Requests whose surface has the same shape take the
 * same-shape fast path (body forwarded with only `model` replaced).
 */
export type WireShape = "openai" | "anthropic" | "google" | "bedrock" | "cohere";

export interface Capabilities {
  tools: boolean;
  streamingTools: boolean;
  vision: boolean;
  /** `response_format` json_object / json_schema or an equivalent. */
  json: boolean;
  thinking: boolean;
  promptCaching: boolean;
  documents: boolean;
  embeddings: boolean;
}

export interface UpstreamCall {
  url: string;
  method: "POST";
  headers: Record<string, string>;
  body: string;
}

/** A call on a resource the vendor keeps (a stored response): no body, or an empty JSON one. */
export interface ResourceCall {
  url: string;
  method: "GET" | "POST" | "DELETE";
  headers: Record<string, string>;
}

export interface AdapterTarget {
  provider: RuntimeProvider;
  /** The upstream model name (for Azure, the deployment). */
  model: string;
}

/** A vendor's stored resources (DESIGN §12a): its files, its batches (Anthropic's message batches). */
export type StoredResource = "files" | "batches";

/** One call on a file or batch: where, with the provider's auth. Body and content type are the caller's. */
export interface StoredResourceCall {
  url: string;
  headers: Record<string, string>;
}

/** The upstream model an answer came from. */
export interface AnsweredBy {
  model: string;
}

export interface ProviderAdapter {
  readonly vendor: string;
  readonly shape: WireShape;
  readonly capabilities: Capabilities;
  readonly defaultBaseUrl: string;

  /** Canonical request → the vendor's HTTP call (URL, auth headers, body). Async for signing. */
  buildRequest(request: CanonicalRequest, target: AdapterTarget): Promise<Converted<UpstreamCall>>;
  /**
   * The same-shape fast path: the client's own body (already in this vendor's shape, `model`
   * replaced) as an HTTP call with this provider's URL and auth. Absent where no surface shares
   * the vendor's shape. May answer at once (no promise made per request); a failure is a
   * rejected promise either way.
   */
  buildPassthrough?(
    body: string,
    stream: boolean,
    target: AdapterTarget,
    forwardHeaders: Record<string, string>,
  ): UpstreamCall | Promise<UpstreamCall>;
  /** OpenAI-shaped embeddings (`POST …/embeddings`), body as the client sent it, `model` replaced. */
  buildEmbeddings?(body: string, target: AdapterTarget): Promise<UpstreamCall>;
  /** Anthropic-shaped token counting (`POST …/messages/count_tokens`), body as sent. */
  buildCountTokens?(
    body: string,
    target: AdapterTarget,
    forwardHeaders: Record<string, string>,
  ): Promise<UpstreamCall>;
  /**
   * OpenAI-shaped Responses (`POST …/responses`): the client's body as sent, `model` replaced.
   * Present only on vendors that serve the Responses API themselves; the Responses surface
   * translates through the canonical model for every other one.
   */
  buildResponses?(
    body: string,
    stream: boolean,
    target: AdapterTarget,
    forwardHeaders: Record<string, string>,
  ): Promise<UpstreamCall>;
  /**
   * A stored response's sub-resource on the vendor that holds it (`GET …/responses/{id}`,
   * `…/input_items`, `POST …/cancel`, `DELETE`): `path` starts after `/responses`, query included.
   */
  buildResponsesResource?(
    method: "GET" | "POST" | "DELETE",
    path: string,
    target: AdapterTarget,
  ): Promise<ResourceCall>;
  /**
   * The vendor's files and batches in its own shape (OpenAI's `/files`, `/batches`; Anthropic's
   * `/files`, `/messages/batches`), passed through: `path` follows the resource's root ("" to
   * create or list, `/{id}`, `/{id}/content`, `/{id}/cancel`, `/{id}/results`), query included.
   * The headers carry the provider's auth and the forwarded ones (`anthropic-beta` verbatim), no
   * content type. Absent on vendors without these APIs.
   */
  buildStoredResource?(
    resource: StoredResource,
    path: string,
    provider: RuntimeProvider,
    forwardHeaders: Record<string, string>,
  ): Promise<StoredResourceCall>;
  /**
   * A non-streaming answer's parsed JSON → canonical. `answered` names the model that answered,
   * for vendors whose answers depend on it (whose signatures a Bedrock model writes).
   */
  parseResponse(body: unknown, answered?: AnsweredBy): Converted<CanonicalResponse>;
  /** A streaming answer's raw bytes → canonical events (framing — SSE, event-stream — included). */
  parseStream(
    body: ReadableStream<Uint8Array>,
    answered?: AnsweredBy,
  ): AsyncIterable<CanonicalStreamEvent>;
  /** A non-2xx answer → the closed error set. Never returns the request's credential. */
  parseError(status: number, bodyText: string, headers: Headers): UpstreamError;
  /**
   * Why a credential cannot be used as this vendor's (its format, never its value), or null.
   * Absent where any string may be a key. Checks a caller's own key (X-Modelux-Provider-Key).
   */
  checkCredential?(credential: string): string | null;
}
