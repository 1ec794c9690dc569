// The Responses API as one Elysia plugin under /openai/v1, beside the Chat Completions surface:
// creating a response goes through the generic pipeline (auth, budgets, routing, traces, cost
// headers, dry run); a stored response's endpoints are served from the gateway's store. Every
// route answers through serveSurface, so any failure is in OpenAI's error shape.
import { Elysia } from "elysia";
import type { DataPlaneContext } from "../../context.ts";
import { handleGeneration } from "../../pipeline/handle-generation.ts";
import { serveSurface } from "../respond-error.ts";
import { responsesBinding } from "./binding.ts";
import { cancelResponse, deleteResponse, listInputItems, retrieveResponse } from "./resources.ts";

export function responsesSurfacePlugin(context: DataPlaneContext) {
  return new Elysia({ name: "modelux.surface.responses", prefix: "/openai/v1" })
    .post(
      "/responses",
      ({ request }) =>
        serveSurface("openai", (id) => handleGeneration(request, context, id, responsesBinding)),
      { parse: "none" },
    )
    .get("/responses/:id", ({ request, params }) =>
      serveSurface("openai", () => retrieveResponse(request, context, params.id)),
    )
    .delete("/responses/:id", ({ request, params }) =>
      serveSurface("openai", () => deleteResponse(request, context, params.id)),
    )
    .post(
      "/responses/:id/cancel",
      ({ request, params }) =>
        serveSurface("openai", () => cancelResponse(request, context, params.id)),
      { parse: "none" },
    )
    .get("/responses/:id/input_items", ({ request, params }) =>
      serveSurface("openai", () => listInputItems(request, context, params.id)),
    );
}
