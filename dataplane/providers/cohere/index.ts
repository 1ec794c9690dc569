// The Cohere adapter (Chat v2, `POST {base}/chat`). No surface speaks Cohere's shape, so every
// request is translated: there is no pass-through.
import type { ProviderAdapter } from "../adapter.ts";
import { cohereApi } from "./api.ts";
import { cohereCapabilities } from "./capabilities.ts";
import { convertRequest } from "./convert-request.ts";
import { convertResponse } from "./convert-response.ts";
import { parseCohereError } from "./errors.ts";
import { parseCohereStream } from "./stream.ts";

export const cohereAdapter: ProviderAdapter = {
  vendor: "cohere",
  shape: cohereApi.shape,
  capabilities: cohereCapabilities,
  defaultBaseUrl: cohereApi.defaultBaseUrl,

  async buildRequest(request, target) {
    const { value: body, warnings } = convertRequest(request, target.model);
    return {
      value: {
        url: cohereApi.chatUrl(target.provider.baseUrl ?? cohereApi.defaultBaseUrl),
        method: "POST",
        headers: cohereApi.headers(target.provider.credential),
        body: JSON.stringify(body),
      },
      warnings,
    };
  },

  parseResponse: convertResponse,
  parseStream: parseCohereStream,
  parseError: parseCohereError,
};

export { cohereApi } from "./api.ts";
