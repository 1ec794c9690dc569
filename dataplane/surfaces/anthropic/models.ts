// GET /anthropic/v1/models and /models/{id} in Anthropic's shape: what the key's project can name
// (project-models.ts, as /openai/v1/models lists it), paged as Anthropic pages (`limit` 1–1000,
// default 20; `after_id` or `before_id`), so the SDK's `models.list()` iterates every page.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { quoteClientValue } from "#shared/validation/client-text.ts";
import type { DataPlaneContext } from "../../context.ts";
import type { RuntimeConfig } from "../../snapshot/runtime-config.ts";
import { modelIdFromPath, type ProjectModel, visibleModels } from "../project-models.ts";

const QUERY_FIELDS = new Set(["limit", "after_id", "before_id"]);
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

interface AnthropicModel {
  type: "model";
  id: string;
  display_name: string;
  created_at: string;
}

export function handleAnthropicListModels(request: Request, context: DataPlaneContext): Response {
  const { config, models } = visibleModels(request, context);
  const query = new URL(request.url).searchParams;
  for (const name of query.keys()) {
    if (!QUERY_FIELDS.has(name)) {
      throw new GatewayError(
        "invalid_request",
        `unknown query parameter ${quoteClientValue(name)}`,
        {
          param: name,
        },
      );
    }
  }
  const limit = readLimit(query.get("limit"));
  const afterId = query.get("after_id");
  const beforeId = query.get("before_id");
  if (afterId !== null && beforeId !== null) {
    throw new GatewayError("invalid_request", "give after_id or before_id, not both", {
      param: "before_id",
    });
  }
  let start = 0;
  let end = models.length;
  if (afterId !== null) start = indexOf(models, afterId, "after_id") + 1;
  if (beforeId !== null) end = indexOf(models, beforeId, "before_id");
  // Paging backwards takes the models just before before_id.
  const page =
    beforeId !== null
      ? models.slice(Math.max(0, end - limit), end)
      : models.slice(start, start + limit);
  const hasMore = beforeId !== null ? end - page.length > 0 : start + page.length < models.length;
  return Response.json({
    data: page.map((model) => toAnthropicModel(model, config)),
    has_more: hasMore,
    first_id: page[0]?.id ?? null,
    last_id: page[page.length - 1]?.id ?? null,
  });
}

export function handleAnthropicGetModel(
  request: Request,
  context: DataPlaneContext,
  prefix: string,
): Response {
  const { config, models } = visibleModels(request, context);
  const id = modelIdFromPath(request, prefix);
  const model = models.find((candidate) => candidate.id === id);
  if (!model) throw new GatewayError("not_found", `model ${quoteClientValue(id)} not found`);
  return Response.json(toAnthropicModel(model, config));
}

function toAnthropicModel(model: ProjectModel, config: RuntimeConfig): AnthropicModel {
  return {
    type: "model",
    id: model.id,
    display_name: model.id,
    created_at: new Date(Date.parse(config.createdAt)).toISOString(),
  };
}

function readLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_LIMIT;
  const limit = Number(raw);
  if (!/^\d{1,4}$/.test(raw) || limit < 1 || limit > MAX_LIMIT) {
    throw new GatewayError(
      "invalid_request",
      `limit must be an integer from 1 to ${MAX_LIMIT}, received ${quoteClientValue(raw)}`,
      { param: "limit" },
    );
  }
  return limit;
}

function indexOf(models: ProjectModel[], id: string, param: string): number {
  const index = models.findIndex((model) => model.id === id);
  if (index === -1) {
    throw new GatewayError(
      "invalid_request",
      `${param} ${quoteClientValue(id)} is not a listed model`,
      {
        param,
      },
    );
  }
  return index;
}
