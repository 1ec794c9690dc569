// The Responses surface as the pipeline drives it: a binding per request (exchange.ts), made once
// the caller is known, holding what the request names in the gateway's store: the
// `previous_response_id` chain and items sent back by id, read before anything is routed. A
// `previous_response_id` the gateway does not hold goes to an OpenAI-family upstream as it is
// (that upstream may hold it); a translated attempt refuses it (OpenAI's 400).
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { BindingRequest, PerRequestBinding } from "../binding.ts";
import { chainItems, locatedItems, type RawItem, resolveInput } from "./conversation.ts";
import { ResponsesExchange } from "./exchange.ts";
import { newResponseId } from "./ids.ts";
import { checkResponsesRequest } from "./parse-request.ts";
import { ResponseStore } from "./response-store.ts";
import { translateRequest } from "./translate-request.ts";

export const UNSUPPORTED_TOOLS_HEADER = "x-modelux-unsupported-tools";

export const responsesBinding: PerRequestBinding = {
  async forRequest({ body, headers, key, context }: BindingRequest) {
    const checked = checkResponsesRequest(body);
    const dropHostedTools = unsupportedTools(headers.get(UNSUPPORTED_TOOLS_HEADER));
    const store = new ResponseStore(context.state, key.orgId);
    const previous = checked.request.previous_response_id;
    // An id the gateway does not hold may be the upstream's own (a response made at OpenAI
    // directly): a passthrough attempt sends it up as it is, a translated one refuses it.
    const found = previous ? await store.findChain(previous) : null;
    const chain = found ?? { links: [], cutAt: null };
    const input = Array.isArray(body.input) ? (body.input as RawItem[]) : null;
    const resolved = input
      ? await resolveInput(input, store)
      : {
          items: checked.items.map((item, index) => ({
            item: item as RawItem,
            path: `input[${index}]`,
            maker: "client" as const,
          })),
          changed: false,
        };
    const context_ = chainItems(chain.links);
    // Without a chain or a stored item read back, the items are the input checked above: not
    // checked a second time.
    const translation = translateRequest(
      checked,
      body,
      context_.length === 0 && !resolved.changed
        ? undefined
        : locatedItems([...context_, ...resolved.items]),
    );
    if (chain.cutAt) {
      translation.warnings.push({
        type: "lossy-conversion",
        subject: "previous_response_id",
        message: `previous_response_id: the chain ends at ${chain.cutAt}, no longer stored; earlier turns are left out`,
      });
    }
    return new ResponsesExchange({
      checked,
      chain: chain.links,
      context: context_,
      current: resolved.items,
      inputChanged: resolved.changed,
      translation,
      store,
      dropHostedTools,
      responseId: newResponseId(),
      unknownPrevious: previous != null && found === null ? previous : null,
    });
  },
};

/** `X-Modelux-Unsupported-Tools`: `error` (the default) or `drop`; anything else is a 400. */
function unsupportedTools(value: string | null): boolean {
  if (value === null) return false;
  const mode = value.trim().toLowerCase();
  if (mode === "drop") return true;
  if (mode === "error" || mode === "") return false;
  throw new GatewayError("invalid_request", "X-Modelux-Unsupported-Tools: expected drop or error", {
    param: "X-Modelux-Unsupported-Tools",
  });
}
