// The Anthropic wire format: Messages, count_tokens, the model list, Files and Message Batches.
import type { SimulatorState } from "../../common/state.ts";
import type { WireFormat } from "../wire-format.ts";
import { anthropicBatchesRoutes } from "./batches.ts";
import { createCountTokensHandler } from "./count-tokens.ts";
import { anthropicFilesRoutes } from "./files.ts";
import { createMessagesHandler } from "./messages.ts";
import { getAnthropicModel, isAnthropicRequest, listAnthropicModels } from "./models.ts";

export function createAnthropicFormat(state: SimulatorState): WireFormat {
  return {
    name: "anthropic",
    routes: [
      { method: "POST", path: "/v1/messages", handle: createMessagesHandler(state) },
      {
        method: "POST",
        path: "/v1/messages/count_tokens",
        handle: createCountTokensHandler(state),
      },
      {
        method: "GET",
        path: "/v1/models",
        recognizes: isAnthropicRequest,
        handle: listAnthropicModels,
      },
      {
        method: "GET",
        path: "/v1/models/:model",
        recognizes: isAnthropicRequest,
        handle: getAnthropicModel,
      },
      ...anthropicFilesRoutes(state),
      ...anthropicBatchesRoutes(state),
    ],
  };
}
