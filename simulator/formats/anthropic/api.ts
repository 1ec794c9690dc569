// How Anthropic authenticates (x-api-key, or a bearer token as for OAuth clients) and which
// header it insists on; the rest of the endpoint preamble is shared.
import type { EndpointFormat } from "../../common/endpoint.ts";
import { bearerToken } from "../../common/http.ts";
import { anthropicErrorResponse } from "./errors.ts";

export function hasAnthropicCredential(request: Request): boolean {
  return Boolean(request.headers.get("x-api-key")?.trim() || bearerToken(request));
}

export const anthropicEndpoint: EndpointFormat = {
  name: "anthropic",
  errorResponse: anthropicErrorResponse,
  authenticationProblem: (request) =>
    hasAnthropicCredential(request) ? undefined : "x-api-key header is required",
  // The real API refuses requests without it; a gateway that forgets it should find out here.
  headerProblem: (request) =>
    request.headers.get("anthropic-version") ? undefined : "anthropic-version: header is required",
  isStreaming: (_request, body) => body.stream === true,
};
