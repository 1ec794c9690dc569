// The Google Gemini adapter (generateContent / streamGenerateContent?alt=sse). No surface
// speaks Gemini's shape, so every request is translated: there is no pass-through.
import type { ProviderAdapter } from "../adapter.ts";
import { googleApi } from "./api.ts";
import { googleCapabilities } from "./capabilities.ts";
import { convertRequest } from "./convert-request.ts";
import { convertResponse } from "./convert-response.ts";
import { parseGoogleError } from "./errors.ts";
import { parseGoogleStream } from "./stream.ts";

export const googleAdapter: ProviderAdapter = {
  vendor: "google",
  shape: googleApi.shape,
  capabilities: googleCapabilities,
  defaultBaseUrl: googleApi.defaultBaseUrl,

  async buildRequest(request, target) {
    const { value: body, warnings } = convertRequest(request);
    const baseUrl = target.provider.baseUrl ?? googleApi.defaultBaseUrl;
    return {
      value: {
        url: googleApi.generateContentUrl(baseUrl, target.model, request.stream),
        method: "POST",
        headers: googleApi.headers(target.provider.credential),
        body: JSON.stringify(body),
      },
      warnings,
    };
  },

  parseResponse: convertResponse,
  parseStream: parseGoogleStream,
  parseError: parseGoogleError,
};

export { googleApi } from "./api.ts";
