// The Anthropic adapter: Messages, translated from the canonical model or (from the Anthropic
// surface) forwarded as the client wrote it; token counting, files and message batches passed
// through.

import { parseAnthropicError } from "../../wire/anthropic/upstream-error.ts";
import type { ProviderAdapter } from "../adapter.ts";
import { anthropicApi, anthropicHeaders, anthropicMessagesUrl } from "./api.ts";
import { anthropicCapabilities } from "./capabilities.ts";
import { convertToAnthropicBody } from "./convert-request.ts";
import { convertAnthropicResponse } from "./convert-response.ts";
import { parseAnthropicStream } from "./stream.ts";

export const anthropicAdapter: ProviderAdapter = {
  vendor: "anthropic",
  shape: "anthropic",
  capabilities: anthropicCapabilities,
  defaultBaseUrl: anthropicApi.defaultBaseUrl,

  async buildRequest(request, target) {
    const converted = convertToAnthropicBody(request, target.model);
    return {
      value: {
        url: anthropicMessagesUrl(target.provider.baseUrl),
        method: "POST",
        headers: anthropicHeaders(target.provider.credential, request.forwardHeaders),
        body: JSON.stringify(converted.value),
      },
      warnings: converted.warnings,
    };
  },

  async buildPassthrough(body, _stream, target, forwardHeaders) {
    return {
      url: anthropicMessagesUrl(target.provider.baseUrl),
      method: "POST",
      headers: anthropicHeaders(target.provider.credential, forwardHeaders),
      body,
    };
  },

  async buildCountTokens(body, target, forwardHeaders) {
    return {
      url: `${anthropicMessagesUrl(target.provider.baseUrl)}/count_tokens`,
      method: "POST",
      headers: anthropicHeaders(target.provider.credential, forwardHeaders),
      body,
    };
  },

  async buildStoredResource(resource, path, provider, forwardHeaders) {
    const headers = anthropicHeaders(provider.credential, forwardHeaders);
    // The body is the client's (a multipart upload, JSON): its content type goes with it.
    delete headers["content-type"];
    const root = resource === "batches" ? "/messages/batches" : "/files";
    const base = (provider.baseUrl ?? anthropicApi.defaultBaseUrl).replace(/\/+$/, "");
    return { url: `${base}${root}${path}`, headers };
  },

  parseResponse: convertAnthropicResponse,
  parseStream: parseAnthropicStream,
  parseError: parseAnthropicError,
};
