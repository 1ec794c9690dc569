// Azure's Responses API: the OpenAI handlers under Azure's auth (an `api-key` header, or a
// bearer token as Entra ID and the v1 surface take), `api-version` required only off the v1
// surface, and Azure's `content_filters` on every response, as the recordings show them.
import type { EndpointFormat } from "../../common/endpoint.ts";
import { bearerToken } from "../../common/http.ts";
import { openAiErrorResponse } from "../openai/errors.ts";
import type { ResponsesFlavor } from "../openai/responses.ts";

function credential(request: Request): string | undefined {
  return request.headers.get("api-key") || bearerToken(request);
}

const endpoint: EndpointFormat = {
  name: "azure",
  errorResponse: openAiErrorResponse,
  authenticationProblem(request) {
    if (credential(request)) return undefined;
    return "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";
  },
  headerProblem(request) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/openai/v1/") || url.searchParams.get("api-version"))
      return undefined;
    return "Missing required query parameter: api-version";
  },
  isStreaming: (_request, body) => body.stream === true,
  streamsErrors: true,
};

const SAFE = { filtered: false, severity: "safe" };
const NOT_DETECTED = { filtered: false, detected: false };

function contentFilters() {
  return [
    {
      blocked: false,
      source_type: "prompt",
      content_filter_raw: null,
      content_filter_results: {
        violence: SAFE,
        hate: SAFE,
        self_harm: SAFE,
        jailbreak: NOT_DETECTED,
        sexual: SAFE,
      },
    },
    {
      blocked: false,
      source_type: "completion",
      content_filter_raw: null,
      content_filter_results: {
        sexual: SAFE,
        hate: SAFE,
        violence: SAFE,
        self_harm: SAFE,
        protected_material_text: NOT_DETECTED,
        protected_material_code: NOT_DETECTED,
      },
    },
  ];
}

export const azureResponsesFlavor: ResponsesFlavor = {
  endpoint,
  // One resource's key, whichever header carries it, sees the same responses.
  tenantOf: (request) => `azure:${credential(request) ?? ""}`,
  extras: (phase) => ({ content_filters: phase === "done" ? contentFilters() : null }),
};
