// Azure OpenAI: the Chat Completions body on per-deployment paths, an `api-key` header and a
// required `api-version` query parameter. The deployment names the model when the body has none.
// The Responses API on both of Azure's surfaces: `/openai/v1/responses` (no api-version) and
// `/openai/responses?api-version=…`, the body's `model` naming the deployment.
import type { EndpointFormat } from "../../common/endpoint.ts";
import { jsonResponse } from "../../common/http.ts";
import type { SimulatorState } from "../../common/state.ts";
import { openAiBatchesRoutes } from "../openai/batches.ts";
import { createChatCompletionsHandler } from "../openai/chat-completions.ts";
import { openAiErrorResponse } from "../openai/errors.ts";
import { openAiFilesRoutes } from "../openai/files.ts";
import { azureFilesFlavor } from "../openai/files-flavor.ts";
import { responsesRoutes } from "../openai/responses-routes.ts";
import type { WireFormat } from "../wire-format.ts";
import { azureResponsesFlavor } from "./responses-flavor.ts";

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

// Models of the resource (Models - List), as the Azure REST reference shows them.
const AZURE_MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "text-embedding-3-small"];
const AZURE_CREATED_AT = 1_715_367_049;

/** GET /openai/models?api-version=…: the credential check's call. */
function listAzureModels(request: Request): Response {
  const authProblem = azureEndpoint.authenticationProblem(request);
  if (authProblem) return openAiErrorResponse(401, authProblem);
  const headerProblem = azureEndpoint.headerProblem?.(request);
  if (headerProblem) return openAiErrorResponse(400, headerProblem);
  const data = AZURE_MODELS.map((id) => {
    const embeddings = id.startsWith("text-embedding-");
    return {
      status: "succeeded",
      capabilities: {
        fine_tune: false,
        inference: true,
        completion: false,
        chat_completion: !embeddings,
        embeddings,
      },
      lifecycle_status: "generally-available",
      deprecation: { inference: AZURE_CREATED_AT + 2 * 365 * 86_400 },
      id,
      created_at: AZURE_CREATED_AT,
      object: "model",
    };
  });
  return jsonResponse({ data, object: "list" });
}

export function createAzureFormat(state: SimulatorState): WireFormat {
  const chat = createChatCompletionsHandler(state, azureEndpoint);
  return {
    name: "azure",
    routes: [
      { method: "GET", path: "/openai/models", handle: listAzureModels },
      ...responsesRoutes(state, "/openai/v1", azureResponsesFlavor),
      ...responsesRoutes(state, "/openai", azureResponsesFlavor),
      // Files and batches on the v1 surface (no api-version), as the gateway calls them.
      ...openAiFilesRoutes(state, "/openai/v1", azureFilesFlavor),
      ...openAiBatchesRoutes(state, "/openai/v1", azureFilesFlavor),
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
