// The data plane's HTTP app: health, readiness and the client-facing surfaces.
import { Elysia } from "elysia";
import type { DataPlaneContext } from "./context.ts";
import { handleChatCompletions } from "./surfaces/openai/chat-completions.ts";
import { handleListModels } from "./surfaces/openai/models.ts";
import { serveSurface } from "./surfaces/respond-error.ts";

export function createDataPlaneApp(context: DataPlaneContext) {
  return new Elysia()
    .get("/healthz", () => ({ status: "ok", node_id: context.nodeId }))
    .get("/readyz", () => {
      const config = context.loader.current;
      if (config) {
        return Response.json({
          status: "ready",
          node_id: context.nodeId,
          snapshot_version: config.version,
        });
      }
      const reason = context.loader.lastRejection ?? "waiting for the first config snapshot";
      return Response.json(
        { status: "not_ready", node_id: context.nodeId, reason },
        { status: 503 },
      );
    })
    .post(
      "/openai/v1/chat/completions",
      ({ request }) =>
        serveSurface("openai", (requestId) => handleChatCompletions(request, context, requestId)),
      { parse: "none" },
    )
    .get("/openai/v1/models", ({ request }) =>
      serveSurface("openai", () => handleListModels(request, context)),
    );
}

export type DataPlaneApp = ReturnType<typeof createDataPlaneApp>;
