// How the Gemini API authenticates (an `x-goog-api-key` header or a `key` query parameter) and
// how its paths name the model and the method: `/v1beta/models/{model}:{method}`.
import type { EndpointFormat } from "../../common/endpoint.ts";
import { googleErrorResponse } from "./errors.ts";

export const GOOGLE_FORMAT = "google";

// The real API's answer to a call without any credential (it is a 403, not a 401).
const UNREGISTERED_CALLER =
  "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.";

export function credentialProblem(request: Request): string | undefined {
  const header = request.headers.get("x-goog-api-key")?.trim();
  const query = new URL(request.url).searchParams.get("key")?.trim();
  return header || query ? undefined : UNREGISTERED_CALLER;
}

/** Google's clients always send a key header or parameter; OpenAI's and Anthropic's never do. */
export const isGoogleRequest = (request: Request) =>
  request.headers.has("x-goog-api-key") || new URL(request.url).searchParams.has("key");

export const googleEndpoint: EndpointFormat = {
  name: GOOGLE_FORMAT,
  errorResponse: googleErrorResponse,
  authenticationProblem: credentialProblem,
  isStreaming: (request) => new URL(request.url).pathname.endsWith(":streamGenerateContent"),
};

/** `/v1beta/models/gemini-2.5-flash:generateContent` → model and method. */
export function modelAndMethod(request: Request): { model: string; method: string } {
  const last = decodeURIComponent(new URL(request.url).pathname.split("/").at(-1) ?? "");
  const colon = last.lastIndexOf(":");
  return colon === -1
    ? { model: last, method: "" }
    : { model: last.slice(0, colon), method: last.slice(colon + 1) };
}
