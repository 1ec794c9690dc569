// The data plane's HTTP app: health, readiness, /metrics (when on) and the client-facing
// surfaces, one Elysia plugin each (surfaces/<name>/plugin.ts). Every answer is JSON, errors in the
// caller's shape (surfaces/app-errors.ts), unknown paths included.
import { Elysia } from "elysia";
import { raiseTransportHeaderLimit } from "#shared/http/header-limit.ts";
import { METRICS_PATH, metricsResponse } from "#shared/telemetry/metrics-endpoint.ts";
import type { DataPlaneContext } from "./context.ts";
import { anthropicSurfacePlugin } from "./surfaces/anthropic/plugin.ts";
import { appErrorHandlers } from "./surfaces/app-errors.ts";
import { type FilesBatchesOptions, filesBatchesPlugin } from "./surfaces/files-batches/plugin.ts";
import { openAiSurfacePlugin } from "./surfaces/openai/plugin.ts";
import { responsesSurfacePlugin } from "./surfaces/responses/plugin.ts";

export function createDataPlaneApp(context: DataPlaneContext, options: FilesBatchesOptions = {}) {
  raiseTransportHeaderLimit();
  const errors = appErrorHandlers(() => app.routes);
  const app = new Elysia()
    .onRequest((hook) => errors.onRequest(hook))
    .onError((hook) => errors.onError(hook))
    .get("/healthz", () => ({ status: "ok", node_id: context.nodeId }))
    .get("/readyz", () => readiness(context))
    .use(metricsRoute(context))
    .use(openAiSurfacePlugin(context))
    .use(responsesSurfacePlugin(context))
    .use(anthropicSurfacePlugin(context))
    .use(filesBatchesPlugin(context, options));
  return app;
}

/** `GET /metrics` (docs/operations.md); no route at all with MODELUX_METRICS=off. */
function metricsRoute(context: DataPlaneContext) {
  const { telemetry } = context;
  const registry = telemetry.registry;
  const plugin = new Elysia();
  if (registry === null) return plugin;
  const source = {
    text: () => telemetry.metricsText(),
    contentType: registry.contentType,
    token: telemetry.metricsToken,
  };
  return plugin.get(METRICS_PATH, ({ request }) => metricsResponse(request, source));
}

/** Ready on its last good snapshot whether or not the bus is there; `bus` says which. */
function readiness(context: DataPlaneContext): Response {
  const config = context.loader.current;
  const bus = context.loader.busState();
  if (config) {
    return Response.json({
      status: "ready",
      node_id: context.nodeId,
      snapshot_version: config.version,
      bus,
    });
  }
  const reason = context.loader.lastRejection ?? "waiting for the first config snapshot";
  return Response.json(
    { status: "not_ready", node_id: context.nodeId, reason, bus },
    { status: 503 },
  );
}

export type DataPlaneApp = ReturnType<typeof createDataPlaneApp>;
