// Azure OpenAI: the Chat Completions body on per-deployment paths, an `api-key` header and a
// required `api-version` query parameter. The deployment names the model when the body has none.
import type { EndpointFormat } from "../../common/endpoint.ts";
import type { SimulatorState } from "../../common/state.ts";
import { createChatCompletionsHandler } from "../openai/chat-completions.ts";
import { openAiErrorResponse } from "../openai/errors.ts";
import type { WireFormat } from "../wire-format.ts";

const azureEndpoint: EndpointFormat = {
  name: "azure",
  errorResponse: openAiErrorResponse,
  authenticationProblem(request) {
    if (request.headers.get("api-key")) return undefined;
    return "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";
  },
  headerProblem(request) {
    if (new URL(request.url).searchParams.get("api-version")) return undefined;
    return "Missing required query parameter: api-version";
  },
  isStreaming: (_request, body) => body.stream === true,
};

export function createAzureFormat(state: SimulatorState): WireFormat {
  const chat = createChatCompletionsHandler(state, azureEndpoint);
  return {
    name: "azure",
    routes: [
      {
        method: "POST",
        path: "/openai/deployments/:deployment/chat/completions",
        async handle(request) {
          const deployment = decodeURIComponent(new URL(request.url).pathname.split("/")[3] ?? "");
          const raw = await request.text();
          let body = raw;
          try {
            const parsed = JSON.parse(raw) as Record<string, unknown>;
            if (parsed && typeof parsed === "object" && typeof parsed.model !== "string") {
              body = JSON.stringify({ ...parsed, model: deployment });
            }
          } catch {
            // Malformed JSON: the chat handler answers it with Azure's 400.
          }
          return chat(new Request(request.url, { method: "POST", headers: request.headers, body }));
        },
      },
    ],
  };
}
