// POST /v1/chat/completions: a deterministic answer as a `chat.completion` or a chunk stream.
import * as v from "valibot";
import { planAnswer } from "../../common/answer.ts";
import type { EndpointFormat } from "../../common/endpoint.ts";
import { openEndpoint, waitBeforeAnswer } from "../../common/endpoint.ts";
import { streamResponse } from "../../common/event-stream.ts";
import { jsonResponse } from "../../common/http.ts";
import { randomId } from "../../common/random.ts";
import type { SimulatorState } from "../../common/state.ts";
import { describeIssue } from "../../common/validation.ts";
import { openAiEndpoint } from "./api.ts";
import { chatCompletionBody, chatUsage, systemFingerprint } from "./chat-completion.ts";
import { chatCompletionEvents } from "./chat-completion-stream.ts";
import { promptTokens, toAnswerRequest } from "./chat-prompt.ts";
import { chatRequestSchema } from "./chat-request.ts";
import { openAiInvalidRequest } from "./errors.ts";
import { cachedPromptTokens } from "./prompt-caching.ts";

/** `endpoint` differs for vendors serving this body shape under their own auth (Azure). */
export function createChatCompletionsHandler(
  state: SimulatorState,
  endpoint: EndpointFormat = openAiEndpoint,
) {
  return async (request: Request): Promise<Response> => {
    const opened = await openEndpoint(request, state, endpoint);
    if (opened.kind === "answered") return opened.response;
    const parsed = v.safeParse(chatRequestSchema, opened.body);
    if (!parsed.success) return openAiInvalidRequest(describeIssue(parsed.issues));
    const chat = parsed.output;

    const answer = planAnswer(toAnswerRequest(chat));
    const prompt = promptTokens(chat);
    const usage = chatUsage(prompt, cachedPromptTokens(chat, prompt, state.promptCache), answer);
    const meta = {
      id: randomId("chatcmpl-", 29),
      created: Math.floor(Date.now() / 1000),
      model: chat.model,
      systemFingerprint: systemFingerprint(chat.model),
      toolCallId: randomId("call_"),
    };
    const headers = { "x-request-id": randomId("req_", 32) };

    await waitBeforeAnswer(opened.timing, opened.streaming, answer.outputTokens);
    if (!opened.streaming)
      return jsonResponse(chatCompletionBody(meta, answer, usage), 200, headers);
    const includeUsage = chat.stream_options?.include_usage === true;
    const events = chatCompletionEvents(meta, answer, usage, includeUsage);
    const plan = {
      tokensPerSecond: opened.timing.profile.tokens_per_second,
      cutAfterChunks: opened.timing.cutAfterChunks,
    };
    return streamResponse(events, plan, headers);
  };
}
