// The data plane's HTTP app: health, readiness, /metrics (when on) and the client-facing
// surfaces, one Elysia plugin each (surfaces/<name>/plugin.ts). Every answer is JSON, errors in the
// caller's shape (surfaces/app-errors.ts), unknown paths included.
import { Elysia } from "elysia";
import { raiseTransportHeaderLimit } from "#shared/http/header-limit.ts";
import { METRICS_PATH, metricsResponse } from "#shared/telemetry/metrics-endpoint.ts";
import type { DataPlaneContext } from "./context.ts";
import { handleGeneration } from "./pipeline/handle-generation.ts";
import { anthropicBinding } from "./surfaces/anthropic/binding.ts";
import { anthropicSurfacePlugin } from "./surfaces/anthropic/plugin.ts";
import { appErrorHandlers } from "./surfaces/app-errors.ts";
import type { PerRequestBinding, SurfaceBinding } from "./surfaces/binding.ts";
import { CLIENT_REQUEST_ID_HEADER } from "./surfaces/client-request-id.ts";
import { type FilesBatchesOptions, filesBatchesPlugin } from "./surfaces/files-batches/plugin.ts";
import { openAiBinding } from "./surfaces/openai/binding.ts";
import { openAiSurfacePlugin } from "./surfaces/openai/plugin.ts";
import { withPublishedPath } from "./surfaces/openai/published-paths.ts";
import { serveSurface } from "./surfaces/respond-error.ts";
import { responsesBinding } from "./surfaces/responses/binding.ts";
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
  // The three generation routes skip Elysia's router and context (~5 µs of CPU a request, issue
  // 20): the same head checks (errors.onRequest), the same handler, the client's X-Request-Id
  // echoed as Elysia would; every other request, a wrong method at these paths included, goes
  // through Elysia as before.
  const routed = app.fetch;
  // modelux.ai's published paths (/v1/*, /openai/v1/dry-run) first become the surface's own.
  const fetch = (received: Request) => {
    const request = withPublishedPath(received);
    return generationRoute(request, context, errors) ?? routed(request);
  };
  // `handle` calls `this.fetch`; both now take the direct routes first.
  Object.defineProperty(app, "fetch", { value: fetch, configurable: true, writable: true });
  return app;
}

const OPENAI_CHAT = "/openai/v1/chat/completions";
const OPENAI_RESPONSES = "/openai/v1/responses";
const ANTHROPIC_MESSAGES = "/anthropic/v1/messages";

/** POST to a generation route answered directly, or null for Elysia to route. */
function generationRoute(
  request: Request,
  context: DataPlaneContext,
  errors: ReturnType<typeof appErrorHandlers>,
): Promise<Response> | Response | null {
  if (request.method !== "POST") return null;
  const url = request.url;
  // The path starts after "http://host"; it ends at the query, if any (compared in place).
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return null;
  const query = url.indexOf("?", start);
  const end = query === -1 ? url.length : query;
  const length = end - start;
  let binding: SurfaceBinding | PerRequestBinding;
  if (length === OPENAI_CHAT.length && url.startsWith(OPENAI_CHAT, start)) binding = openAiBinding;
  else if (length === OPENAI_RESPONSES.length && url.startsWith(OPENAI_RESPONSES, start))
    binding = responsesBinding;
  else if (length === ANTHROPIC_MESSAGES.length && url.startsWith(ANTHROPIC_MESSAGES, start))
    binding = anthropicBinding;
  else return null;
  const surface = binding === anthropicBinding ? "anthropic" : "openai";
  const set = { headers: {} as Record<string, string | number> };
  const refused = errors.onRequest({ request, set });
  if (refused) return refused;
  const answer = serveSurface(surface, (id) => handleGeneration(request, context, id, binding));
  const echo = set.headers[CLIENT_REQUEST_ID_HEADER];
  if (echo === undefined) return answer;
  return answer.then((response) => {
    if (!response.headers.has(CLIENT_REQUEST_ID_HEADER))
      response.headers.set(CLIENT_REQUEST_ID_HEADER, String(echo));
    return response;
  });
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
