// How Cohere authenticates (a bearer token) and marks streams (`stream: true` in the body); the
// rest of the endpoint preamble is shared.
import type { EndpointFormat } from "../../common/endpoint.ts";
import { bearerToken } from "../../common/http.ts";
import { cohereErrorResponse } from "./errors.ts";

export const COHERE_FORMAT = "cohere";

export const cohereEndpoint: EndpointFormat = {
  name: COHERE_FORMAT,
  errorResponse: cohereErrorResponse,
  authenticationProblem: (request) => (bearerToken(request) ? undefined : "no api key supplied"),
  isStreaming: (_request, body) => body.stream === true,
};
