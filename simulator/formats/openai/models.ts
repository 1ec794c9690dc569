// GET /v1/models and /v1/models/:model in OpenAI's list shape. The simulator answers any
// model name; this list only gives clients that enumerate models something real-looking.
import { jsonResponse } from "../../common/http.ts";
import { openAiEndpoint } from "./api.ts";
import { openAiErrorResponse } from "./errors.ts";

const CREATED = 1_715_367_049;

export const OPENAI_MODELS = [
  "gpt-4o",
  "gpt-4o-mini",
  "gpt-4.1",
  "gpt-4.1-mini",
  "gpt-4.1-nano",
  "gpt-5",
  "gpt-5-mini",
  "o3",
  "o4-mini",
  "text-embedding-3-small",
  "text-embedding-3-large",
];

const modelObject = (id: string) => ({ id, object: "model", created: CREATED, owned_by: "system" });

export function listOpenAiModels(request: Request): Response {
  const problem = openAiEndpoint.authenticationProblem(request);
  if (problem) return openAiErrorResponse(401, problem);
  return jsonResponse({ object: "list", data: OPENAI_MODELS.map(modelObject) });
}

export function getOpenAiModel(request: Request): Response {
  const problem = openAiEndpoint.authenticationProblem(request);
  if (problem) return openAiErrorResponse(401, problem);
  const id = decodeURIComponent(new URL(request.url).pathname.split("/").at(-1) ?? "");
  return jsonResponse(modelObject(id));
}
