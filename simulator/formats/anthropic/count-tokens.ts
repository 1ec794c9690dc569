// POST /v1/messages/count_tokens: the input tokens /v1/messages would count for the same
// prompt (cache reads and writes included, as Anthropic's endpoint reports them).
import * as v from "valibot";
import { openEndpoint } from "../../common/endpoint.ts";
import { jsonResponse } from "../../common/http.ts";
import type { SimulatorState } from "../../common/state.ts";
import { describeIssue } from "../../common/validation.ts";
import { anthropicEndpoint } from "./api.ts";
import { anthropicInvalidRequest } from "./errors.ts";
import { inputTokens } from "./messages-prompt.ts";
import { countTokensRequestSchema } from "./messages-request.ts";

export function createCountTokensHandler(state: SimulatorState) {
  return async (request: Request): Promise<Response> => {
    const opened = await openEndpoint(request, state, anthropicEndpoint);
    if (opened.kind === "answered") return opened.response;
    const parsed = v.safeParse(countTokensRequestSchema, opened.body);
    if (!parsed.success) return anthropicInvalidRequest(describeIssue(parsed.issues));
    return jsonResponse({ input_tokens: inputTokens(parsed.output) });
  };
}
