// The OpenAI wire format: Chat Completions, Embeddings, the Responses API, Files, Batches and the
// model list.
import type { SimulatorState } from "../../common/state.ts";
import type { WireFormat } from "../wire-format.ts";
import { openAiBatchesRoutes } from "./batches.ts";
import { createChatCompletionsHandler } from "./chat-completions.ts";
import { createEmbeddingsHandler } from "./embeddings.ts";
import { openAiFilesRoutes } from "./files.ts";
import { openAiFilesFlavor } from "./files-flavor.ts";
import { getOpenAiModel, listOpenAiModels } from "./models.ts";
import { responsesRoutes } from "./responses-routes.ts";

export function createOpenAiFormat(state: SimulatorState): WireFormat {
  return {
    name: "openai",
    routes: [
      { method: "POST", path: "/v1/chat/completions", handle: createChatCompletionsHandler(state) },
      { method: "POST", path: "/v1/embeddings", handle: createEmbeddingsHandler(state) },
      { method: "GET", path: "/v1/models", handle: listOpenAiModels },
      { method: "GET", path: "/v1/models/:model", handle: getOpenAiModel },
      ...responsesRoutes(state, "/v1"),
      ...openAiFilesRoutes(state, "/v1", openAiFilesFlavor),
      ...openAiBatchesRoutes(state, "/v1", openAiFilesFlavor),
    ],
  };
}
