// The Anthropic surface as one Elysia plugin: every route under /anthropic/v1. Each route runs
// its handler through serveSurface, so any failure is an answer in Anthropic's error shape.
import { Elysia } from "elysia";
import type { DataPlaneContext } from "../../context.ts";
import { handleGeneration } from "../../pipeline/handle-generation.ts";
import { handlePassthrough, type PassthroughEndpoint } from "../../pipeline/handle-passthrough.ts";
import { serveSurface } from "../respond-error.ts";
import { anthropicBinding } from "./binding.ts";
import { anthropicCitedFileIds } from "./cited-files.ts";
import { readTokenCountAnswer } from "./count-tokens-answer.ts";
import { estimateInputTokens } from "./estimate-tokens.ts";
import { handleAnthropicGetModel, handleAnthropicListModels } from "./models.ts";

export function anthropicSurfacePlugin(context: DataPlaneContext) {
  return (
    new Elysia({ name: "modelux.surface.anthropic", prefix: "/anthropic/v1" })
      .post(
        "/messages",
        ({ request }) =>
          serveSurface("anthropic", (id) =>
            handleGeneration(request, context, id, anthropicBinding),
          ),
        { parse: "none" },
      )
      .post(
        "/messages/count_tokens",
        ({ request }) =>
          serveSurface("anthropic", (id) =>
            handlePassthrough(request, context, id, countTokens(request.headers)),
          ),
        { parse: "none" },
      )
      .get("/models", ({ request }) =>
        serveSurface("anthropic", () => handleAnthropicListModels(request, context)),
      )
      // Ids hold `/` (`provider/model`): the rest of the path, decoded, is the id.
      .get("/models/*", ({ request }) =>
        serveSurface("anthropic", () =>
          handleAnthropicGetModel(request, context, "/anthropic/v1/models/"),
        ),
      )
  );
}

/** Token counting; the request's `anthropic-version` and `anthropic-beta` go upstream with it. */
function countTokens(headers: Headers): PassthroughEndpoint {
  return {
    name: "token counting",
    operation: "count_tokens",
    surface: "anthropic",
    build: (adapter) => {
      const build = adapter.buildCountTokens?.bind(adapter);
      return build
        ? (body, target) => build(body, target, forwardedAnthropicHeaders(headers))
        : undefined;
    },
    readAnswer: readTokenCountAnswer,
    fallback: (body) => ({ input_tokens: estimateInputTokens(body) }),
    citedFileIds: anthropicCitedFileIds,
  };
}

function forwardedAnthropicHeaders(headers: Headers): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const name of ["anthropic-version", "anthropic-beta"]) {
    const value = headers.get(name);
    if (value) forwarded[name] = value;
  }
  return forwarded;
}
