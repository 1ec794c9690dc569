// GET /openai/v1/models and /models/{id} in OpenAI's shape: what the key's project can name
// (project-models.ts, as /anthropic/v1/models lists it), its routing configs as `@slug` then the
// models its org's providers reach as `provider/model`. One page, as OpenAI answers; `created`
// is when the config snapshot the list comes from was made, `owned_by` the vendor (`modelux` for
// a routing config).
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { quoteClientValue } from "#shared/validation/client-text.ts";
import type { DataPlaneContext } from "../../context.ts";
import type { RuntimeConfig } from "../../snapshot/runtime-config.ts";
import { modelIdFromPath, type ProjectModel, visibleModels } from "../project-models.ts";

interface OpenAiModel {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

export function handleListModels(request: Request, context: DataPlaneContext): Response {
  const { config, models } = visibleModels(request, context);
  // OpenAI's list takes no parameters; one sent here would be ignored, so it is refused.
  const [unknown] = new URL(request.url).searchParams.keys();
  if (unknown !== undefined) {
    throw new GatewayError(
      "invalid_request",
      `unknown query parameter ${quoteClientValue(unknown)}`,
      {
        param: unknown,
      },
    );
  }
  const created = createdOf(config);
  return Response.json({
    object: "list",
    data: models.map((model) => toOpenAiModel(model, created)),
  });
}

export function handleGetModel(
  request: Request,
  context: DataPlaneContext,
  prefix: string,
): Response {
  const { config, models } = visibleModels(request, context);
  const id = modelIdFromPath(request, prefix);
  const model = models.find((candidate) => candidate.id === id);
  if (!model) {
    throw new GatewayError("not_found", `The model ${quoteClientValue(id)} does not exist`, {
      param: "model",
    });
  }
  return Response.json(toOpenAiModel(model, createdOf(config)));
}

function toOpenAiModel(model: ProjectModel, created: number): OpenAiModel {
  const owner = model.kind === "config" ? "modelux" : model.vendor;
  return { id: model.id, object: "model", created, owned_by: owner };
}

function createdOf(config: RuntimeConfig): number {
  return Math.floor(Date.parse(config.createdAt) / 1000);
}
