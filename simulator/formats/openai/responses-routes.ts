// The Responses API's routes under a base path: `/v1` for OpenAI, `/openai/v1` and `/openai`
// for Azure. The flavor decides auth, tenant and vendor extras; the handlers are shared.
import type { SimulatorState } from "../../common/state.ts";
import type { FormatRoute } from "../wire-format.ts";
import {
  createResponsesHandler,
  openAiResponsesFlavor,
  type ResponsesFlavor,
} from "./responses.ts";
import {
  createCancelHandler,
  createDeleteHandler,
  createInputItemsHandler,
  createRetrieveHandler,
} from "./responses-stored.ts";

export function responsesRoutes(
  state: SimulatorState,
  base: string,
  flavor: ResponsesFlavor = openAiResponsesFlavor,
): FormatRoute[] {
  const item = `${base}/responses/:id`;
  return [
    { method: "POST", path: `${base}/responses`, handle: createResponsesHandler(state, flavor) },
    { method: "GET", path: item, handle: createRetrieveHandler(state, flavor) },
    { method: "DELETE", path: item, handle: createDeleteHandler(state, flavor) },
    // Cancelling answers about a stored response; a replayed recording must never stand in for it.
    {
      method: "POST",
      path: `${item}/cancel`,
      handle: createCancelHandler(state, flavor),
      replayable: false,
    },
    { method: "GET", path: `${item}/input_items`, handle: createInputItemsHandler(state, flavor) },
  ];
}
