// POST /v1/messages: a deterministic answer as a message or an event stream.
import * as v from "valibot";
import { planAnswer } from "../../common/answer.ts";
import { openEndpoint, waitBeforeAnswer } from "../../common/endpoint.ts";
import { streamResponse } from "../../common/event-stream.ts";
import { jsonResponse } from "../../common/http.ts";
import { randomId } from "../../common/random.ts";
import type { SimulatorState } from "../../common/state.ts";
import { describeIssue } from "../../common/validation.ts";
import { anthropicEndpoint } from "./api.ts";
import { anthropicInvalidRequest } from "./errors.ts";
import { fileReferenceProblem } from "./file-references.ts";
import { messageBody, messageUsage } from "./message.ts";
import { messageEvents } from "./message-stream.ts";
import { inputTokens, toAnswerRequest } from "./messages-prompt.ts";
import { messagesRequestSchema } from "./messages-request.ts";
import { promptCacheUsage } from "./prompt-caching.ts";

export function createMessagesHandler(state: SimulatorState) {
  return async (request: Request): Promise<Response> => {
    const opened = await openEndpoint(request, state, anthropicEndpoint);
    if (opened.kind === "answered") return opened.response;
    const parsed = v.safeParse(messagesRequestSchema, opened.body);
    if (!parsed.success) return anthropicInvalidRequest(describeIssue(parsed.issues));
    const messages = parsed.output;
    const fileProblem = fileReferenceProblem(request, opened.body, state);
    if (fileProblem) return fileProblem;

    const answer = planAnswer(toAnswerRequest(messages));
    const usage = messageUsage(
      inputTokens(messages),
      promptCacheUsage(messages, state.promptCache),
      answer,
    );
    const meta = { id: randomId("msg_01"), model: messages.model, toolUseId: randomId("toolu_01") };
    const headers = { "request-id": randomId("req_011C") };

    await waitBeforeAnswer(opened.timing, opened.streaming, answer.outputTokens);
    if (!opened.streaming) return jsonResponse(messageBody(meta, answer, usage), 200, headers);
    const plan = {
      tokensPerSecond: opened.timing.profile.tokens_per_second,
      cutAfterChunks: opened.timing.cutAfterChunks,
    };
    return streamResponse(messageEvents(meta, answer, usage), plan, headers);
  };
}
