// The data plane's HTTP app: health, readiness and the client-facing surfaces. Every answer is
// JSON, errors in the caller's shape (surfaces/app-errors.ts), unknown paths included.
import { Elysia } from "elysia";
import { raiseTransportHeaderLimit } from "#shared/http/header-limit.ts";
import type { DataPlaneContext } from "./context.ts";
import { handleGeneration } from "./pipeline/handle-generation.ts";
import { handlePassthrough } from "./pipeline/handle-passthrough.ts";
import { anthropicBinding } from "./surfaces/anthropic/binding.ts";
import { readTokenCountAnswer } from "./surfaces/anthropic/count-tokens-answer.ts";
import { estimateInputTokens } from "./surfaces/anthropic/estimate-tokens.ts";
import { openAiBinding } from "./surfaces/openai/binding.ts";
import { readEmbeddingsAnswer } from "./surfaces/openai/embeddings-answer.ts";
import { checkEmbeddingsRequest } from "./surfaces/openai/embeddings-request.ts";
import { handleListModels } from "./surfaces/openai/models.ts";
import { appErrorHandlers } from "./surfaces/app-errors.ts";
import { serveSurface } from "./surfaces/respond-error.ts";

export function createDataPlaneApp(context: DataPlaneContext) {
  raiseTransportHeaderLimit();
  const errors = appErrorHandlers(() => app.routes);
  const app = new Elysia()
    .onRequest((hook) => errors.onRequest(hook))
    .onError((hook) => errors.onError(hook))
    .get("/healthz", () => ({ status: "ok", node_id: context.nodeId }))
    .get("/readyz", () => {
      const config = context.loader.current;
      // Ready on its last good snapshot whether or not the bus is there; `bus` says which.
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
    })
    .post(
      "/openai/v1/chat/completions",
      ({ request }) =>
        serveSurface("openai", (id) => handleGeneration(request, context, id, openAiBinding)),
      { parse: "none" },
    )
    .post(
      "/openai/v1/embeddings",
      ({ request }) =>
        serveSurface("openai", (id) =>
          handlePassthrough(request, context, id, {
            name: "embeddings",
            surface: "openai",
            build: (adapter) => adapter.buildEmbeddings?.bind(adapter),
            readAnswer: readEmbeddingsAnswer,
            validate: checkEmbeddingsRequest,
          }),
        ),
      { parse: "none" },
    )
    .get("/openai/v1/models", ({ request }) =>
      serveSurface("openai", () => handleListModels(request, context)),
    )
    .post(
      "/anthropic/v1/messages",
      ({ request }) =>
        serveSurface("anthropic", (id) => handleGeneration(request, context, id, anthropicBinding)),
      { parse: "none" },
    )
    .post(
      "/anthropic/v1/messages/count_tokens",
      ({ request }) =>
        serveSurface("anthropic", (id) =>
          handlePassthrough(request, context, id, {
            name: "token counting",
            surface: "anthropic",
            build: (adapter) => {
              const build = adapter.buildCountTokens?.bind(adapter);
              return build
                ? (body, target) => build(body, target, forwardedAnthropicHeaders(request.headers))
                : undefined;
            },
            readAnswer: readTokenCountAnswer,
            fallback: (body) => ({ input_tokens: estimateInputTokens(body) }),
          }),
        ),
      { parse: "none" },
    );
  return app;
}

function forwardedAnthropicHeaders(headers: Headers): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const name of ["anthropic-version", "anthropic-beta"]) {
    const value = headers.get(name);
    if (value) forwarded[name] = value;
  }
  return forwarded;
}

export type DataPlaneApp = ReturnType<typeof createDataPlaneApp>;
