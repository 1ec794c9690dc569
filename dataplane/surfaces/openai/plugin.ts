// The OpenAI surface as one Elysia plugin: every route under /openai/v1. Each route runs its
// handler through serveSurface, so any failure is an answer in OpenAI's error shape.
import { Elysia } from "elysia";
import type { DataPlaneContext } from "../../context.ts";
import { handleGeneration } from "../../pipeline/handle-generation.ts";
import { handlePassthrough, type PassthroughEndpoint } from "../../pipeline/handle-passthrough.ts";
import { serveSurface } from "../respond-error.ts";
import { openAiBinding } from "./binding.ts";
import { readEmbeddingsAnswer } from "./embeddings-answer.ts";
import { checkEmbeddingsRequest } from "./embeddings-request.ts";
import { handleGetModel, handleListModels } from "./models.ts";

const embeddings: PassthroughEndpoint = {
  name: "embeddings",
  operation: "embeddings",
  surface: "openai",
  build: (adapter) => adapter.buildEmbeddings?.bind(adapter),
  readAnswer: readEmbeddingsAnswer,
  validate: checkEmbeddingsRequest,
  cached: "embeddings",
};

export function openAiSurfacePlugin(context: DataPlaneContext) {
  return (
    new Elysia({ name: "modelux.surface.openai", prefix: "/openai/v1" })
      .post(
        "/chat/completions",
        ({ request }) =>
          serveSurface("openai", (id) => handleGeneration(request, context, id, openAiBinding)),
        { parse: "none" },
      )
      .post(
        "/embeddings",
        ({ request }) =>
          serveSurface("openai", (id) => handlePassthrough(request, context, id, embeddings)),
        { parse: "none" },
      )
      .get("/models", ({ request }) =>
        serveSurface("openai", () => handleListModels(request, context)),
      )
      // Ids hold `/` (`provider/model`): the rest of the path, decoded, is the id.
      .get("/models/*", ({ request }) =>
        serveSurface("openai", () => handleGetModel(request, context, "/openai/v1/models/")),
      )
  );
}
