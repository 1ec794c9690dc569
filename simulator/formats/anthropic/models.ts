// GET /v1/models and /v1/models/:model in Anthropic's list shape. OpenAI serves the same
// paths; Anthropic's clients always send `anthropic-version`, which tells the two apart.
import { jsonResponse } from "../../common/http.ts";
import { hasAnthropicCredential } from "./api.ts";
import { anthropicErrorResponse } from "./errors.ts";

// Ids from the vendor's catalog; the dates are illustrative, nothing reads them.
export const ANTHROPIC_MODELS = [
  { id: "claude-opus-4-6", display_name: "Claude Opus 4.6", created_at: "2026-02-05T00:00:00Z" },
  {
    id: "claude-sonnet-4-6",
    display_name: "Claude Sonnet 4.6",
    created_at: "2026-02-17T00:00:00Z",
  },
  {
    id: "claude-sonnet-4-5-20250929",
    display_name: "Claude Sonnet 4.5",
    created_at: "2025-09-29T00:00:00Z",
  },
  {
    id: "claude-haiku-4-5-20251001",
    display_name: "Claude Haiku 4.5",
    created_at: "2025-10-01T00:00:00Z",
  },
];

export const isAnthropicRequest = (request: Request) => request.headers.has("anthropic-version");

export function listAnthropicModels(request: Request): Response {
  if (!hasAnthropicCredential(request))
    return anthropicErrorResponse(401, "x-api-key header is required");
  const data = ANTHROPIC_MODELS.map((model) => ({ type: "model", ...model }));
  return jsonResponse({
    data,
    has_more: false,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  });
}

export function getAnthropicModel(request: Request): Response {
  if (!hasAnthropicCredential(request))
    return anthropicErrorResponse(401, "x-api-key header is required");
  const id = decodeURIComponent(new URL(request.url).pathname.split("/").at(-1) ?? "");
  const known = ANTHROPIC_MODELS.find((model) => model.id === id);
  return jsonResponse({
    type: "model",
    id,
    display_name: known?.display_name ?? id,
    created_at: known?.created_at ?? "2025-01-01T00:00:00Z",
  });
}
