// The Amazon Bedrock wire format: Converse and ConverseStream on `/model/{modelId}/…`, and
// ListFoundationModels (the control endpoint's `/foundation-models`) on the same server.
import type { SimulatorState } from "../../common/state.ts";
import type { WireFormat } from "../wire-format.ts";
import { createConverseHandler } from "./converse.ts";
import { BEDROCK_FORMAT } from "./endpoint.ts";
import { listFoundationModels } from "./foundation-models.ts";

export function createBedrockFormat(state: SimulatorState): WireFormat {
  return {
    name: BEDROCK_FORMAT,
    routes: [
      { method: "GET", path: "/foundation-models", handle: listFoundationModels },
      {
        method: "POST",
        path: "/model/:modelId/converse",
        handle: createConverseHandler(state, false),
      },
      {
        method: "POST",
        path: "/model/:modelId/converse-stream",
        handle: createConverseHandler(state, true),
      },
    ],
  };
}
