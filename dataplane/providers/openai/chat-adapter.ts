// One ProviderAdapter over the Chat Completions converters, configured per vendor: OpenAI itself,
// Azure and each OpenAI-compatible host differ only in URL, auth headers and dialect. Vendors that
// serve the Responses API themselves say where (`responsesUrl`), and get its passthrough.

import type { RuntimeProvider } from "../../snapshot/runtime-config.ts";
import { parseOpenAiError } from "../../wire/openai/upstream-error.ts";
import type {
  AdapterTarget,
  ProviderAdapter,
  ResourceCall,
  StoredResource,
  UpstreamCall,
} from "../adapter.ts";
import { upstreamHeaders } from "./api.ts";
import type { ChatDialect } from "./capabilities.ts";
import { convertToOpenAiChatBody } from "./convert-request.ts";
import { convertOpenAiResponse } from "./convert-response.ts";
import { parseOpenAiStream } from "./stream.ts";

export interface ChatAdapterConfig {
  vendor: string;
  defaultBaseUrl: string;
  dialect: ChatDialect;
  /** The full URL of an endpoint for this target (base URL, deployment, query). */
  url(target: AdapterTarget, endpoint: "chat" | "embeddings"): string;
  authHeaders(target: AdapterTarget): Record<string, string>;
  /**
   * Where the vendor serves the Responses API: `path` is what follows `/responses` ("" to create,
   * `/{id}`, `/{id}/cancel`, `/{id}/input_items?…`). Absent when the vendor has none.
   */
  responsesUrl?(target: AdapterTarget, path: string): string;
  /** The `model` a Responses body names (Azure: the deployment); the target's model otherwise. */
  responsesModel?(target: AdapterTarget): string;
  /**
   * Where the vendor serves files and batches (`/files…`, `/batches…`): `path` follows the
   * resource's root. Absent when it has none.
   */
  storedResourceUrl?(provider: RuntimeProvider, resource: StoredResource, path: string): string;
}

export function createChatCompletionsAdapter(config: ChatAdapterConfig): ProviderAdapter {
  const { vendor, dialect } = config;
  const call = (
    target: AdapterTarget,
    endpoint: "chat" | "embeddings",
    body: string,
    forwardHeaders: Record<string, string>,
  ): UpstreamCall => ({
    url: config.url(target, endpoint),
    method: "POST",
    headers: upstreamHeaders(forwardHeaders, config.authHeaders(target)),
    body,
  });

  const adapter: ProviderAdapter = {
    vendor,
    shape: "openai",
    capabilities: dialect.capabilities,
    defaultBaseUrl: config.defaultBaseUrl,

    async buildRequest(request, target) {
      const converted = convertToOpenAiChatBody(request, target.model, dialect);
      const body = JSON.stringify(converted.value);
      return {
        value: call(target, "chat", body, request.forwardHeaders),
        warnings: converted.warnings,
      };
    },

    // Made at once (no async function, promise and turn per request, issue 20); a call that
    // cannot be made still fails as a rejected promise.
    buildPassthrough(body, _stream, target, forwardHeaders) {
      try {
        return call(target, "chat", passthroughBody(body, dialect), forwardHeaders);
      } catch (error) {
        return Promise.reject(error);
      }
    },

    parseResponse: (body) => convertOpenAiResponse(body, vendor),
    parseStream: (body) => parseOpenAiStream(body, vendor),
    parseError: (status, bodyText, headers) => parseOpenAiError(status, bodyText, headers),
  };
  const { responsesUrl, responsesModel } = config;
  if (responsesUrl) {
    adapter.buildResponses = async (body, _stream, target, forwardHeaders) => ({
      url: responsesUrl(target, ""),
      method: "POST",
      headers: upstreamHeaders(forwardHeaders, config.authHeaders(target)),
      body: withModel(body, responsesModel?.(target) ?? target.model, target.model),
    });
    adapter.buildResponsesResource = async (method, path, target): Promise<ResourceCall> => ({
      url: responsesUrl(target, path),
      method,
      headers: upstreamHeaders({}, config.authHeaders(target)),
    });
  }
  const { storedResourceUrl } = config;
  if (storedResourceUrl) {
    adapter.buildStoredResource = async (resource, path, provider, forwardHeaders) => {
      const headers = upstreamHeaders(forwardHeaders, config.authHeaders({ provider, model: "" }));
      // The body is the client's (a multipart upload, JSON): its content type goes with it.
      delete headers["content-type"];
      return { url: storedResourceUrl(provider, resource, path), headers };
    };
  }
  if (dialect.capabilities.embeddings) {
    adapter.buildEmbeddings = async (body, target) => call(target, "embeddings", body, {});
  }
  return adapter;
}

/**
 * The client's body goes up unchanged, except to a vendor that rejects `stream_options` (the
 * fast path adds it to read usage; such vendors report usage without being asked).
 */
function passthroughBody(body: string, dialect: ChatDialect): string {
  if (dialect.streamOptions !== "strip" || !body.includes('"stream_options"')) return body;
  const parsed = JSON.parse(body) as Record<string, unknown>;
  delete parsed.stream_options;
  return JSON.stringify(parsed);
}

/** The body with `model` set to `model`, re-serialized only when it differs from what it names. */
function withModel(body: string, model: string, named: string): string {
  if (model === named) return body;
  const parsed = JSON.parse(body) as Record<string, unknown>;
  return JSON.stringify({ ...parsed, model });
}
