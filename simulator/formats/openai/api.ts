// How OpenAI authenticates and marks streams; the rest of the endpoint preamble is shared.
import type { EndpointFormat } from "../../common/endpoint.ts";
import { bearerToken } from "../../common/http.ts";
import { openAiErrorResponse } from "./errors.ts";

export const openAiEndpoint: EndpointFormat = {
  name: "openai",
  errorResponse: openAiErrorResponse,
  authenticationProblem(request) {
    if (bearerToken(request)) return undefined;
    return "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
  },
  isStreaming: (_request, body) => body.stream === true,
};
