// POST /v2/chat: a deterministic answer as a Chat v2 response or an event stream.
import * as v from "valibot";
import { planAnswer } from "../../common/answer.ts";
import { openEndpoint, waitBeforeAnswer } from "../../common/endpoint.ts";
import { streamResponse } from "../../common/event-stream.ts";
import { jsonResponse } from "../../common/http.ts";
import type { SimulatorState } from "../../common/state.ts";
import { describeIssue } from "../../common/validation.ts";
import { cohereEndpoint } from "./api.ts";
import { billedInputTokens, toAnswerRequest } from "./chat-prompt.ts";
import { chatRequestSchema } from "./chat-request.ts";
import { chatResponseBody, chatUsage, toolCallIdFor, toolPlanFor } from "./chat-response.ts";
import { chatStreamEvents } from "./chat-stream.ts";
import { cohereInvalidRequest } from "./errors.ts";

export function createChatHandler(state: SimulatorState) {
  return async (request: Request): Promise<Response> => {
    const opened = await openEndpoint(request, state, cohereEndpoint);
    if (opened.kind === "answered") return opened.response;
    const parsed = v.safeParse(chatRequestSchema, opened.body);
    if (!parsed.success) return cohereInvalidRequest(describeIssue(parsed.issues));
    const chat = parsed.output;

    const answer = planAnswer(toAnswerRequest(chat));
    const meta = {
      id: crypto.randomUUID(),
      toolCallId: toolCallIdFor(answer),
      toolPlan: toolPlanFor(answer),
    };
    const usage = chatUsage(billedInputTokens(chat), answer, meta.toolPlan);

    await waitBeforeAnswer(opened.timing, opened.streaming, usage.billed_units.output_tokens);
    if (!opened.streaming) return jsonResponse(chatResponseBody(meta, answer, usage));
    const plan = {
      tokensPerSecond: opened.timing.profile.tokens_per_second,
      cutAfterChunks: opened.timing.cutAfterChunks,
    };
    return streamResponse(chatStreamEvents(meta, answer, usage), plan, {});
  };
}
