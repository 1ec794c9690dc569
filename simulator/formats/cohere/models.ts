// GET /v1/models in Cohere's list shape (Cohere lists models on v1 only, also for Chat v2
// users). OpenAI serves the same path with the same bearer auth; Cohere's own query
// parameters (`endpoint`, `page_size`, `page_token`, `default_only`) tell this one apart.
import { jsonResponse } from "../../common/http.ts";
import { cohereEndpoint } from "./api.ts";
import { cohereErrorResponse } from "./errors.ts";

const COHERE_QUERY = ["endpoint", "page_size", "page_token", "default_only"];

export const COHERE_MODELS = [
  { name: "command-a-03-2025", endpoints: ["chat"], context_length: 256_000 },
  { name: "command-r-plus-08-2024", endpoints: ["chat"], context_length: 128_000 },
  { name: "command-r7b-12-2024", endpoints: ["chat"], context_length: 128_000 },
  { name: "embed-v4.0", endpoints: ["embed"], context_length: 128_000 },
];

export const isCohereModelsRequest = (request: Request) => {
  const query = new URL(request.url).searchParams;
  return COHERE_QUERY.some((name) => query.has(name));
};

export function listCohereModels(request: Request): Response {
  const problem = cohereEndpoint.authenticationProblem(request);
  if (problem) return cohereErrorResponse(401, problem);
  const query = new URL(request.url).searchParams;
  const endpoint = query.get("endpoint");
  const pageSize = Number(query.get("page_size") ?? 20);
  if (!Number.isFinite(pageSize) || pageSize < 1 || pageSize > 1000)
    return cohereErrorResponse(400, "invalid request: page_size must be between 1 and 1000");
  const matching = COHERE_MODELS.filter((model) => !endpoint || model.endpoints.includes(endpoint));
  const models = matching.slice(0, pageSize).map((model) => ({
    name: model.name,
    endpoints: model.endpoints,
    finetuned: false,
    context_length: model.context_length,
    tokenizer_url: `https://storage.googleapis.com/cohere-public/tokenizers/${model.name}.json`,
    default_endpoints: [],
    features: model.endpoints.includes("chat") ? ["tools", "json_mode", "json_schema"] : [],
  }));
  return jsonResponse({ models });
}
