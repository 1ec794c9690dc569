// The Cohere wire format: Chat v2 (`POST /v2/chat`, plain and streamed) and the model list.
import type { SimulatorState } from "../../common/state.ts";
import type { WireFormat } from "../wire-format.ts";
import { COHERE_FORMAT } from "./api.ts";
import { createChatHandler } from "./chat.ts";
import { isCohereModelsRequest, listCohereModels } from "./models.ts";

export function createCohereFormat(state: SimulatorState): WireFormat {
  return {
    name: COHERE_FORMAT,
    routes: [
      { method: "POST", path: "/v2/chat", handle: createChatHandler(state) },
      {
        method: "GET",
        path: "/v1/models",
        recognizes: isCohereModelsRequest,
        handle: listCohereModels,
      },
    ],
  };
}
